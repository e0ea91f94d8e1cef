using System.Buffers;
using System.Net.WebSockets;
using SocketIo.Server.EngineIo.V3;

namespace SocketIo.Server.EngineIo.Transports;

/// <summary>
/// The WebSocket transport (Node: engine.io <c>transports/websocket.ts</c>): one packet per frame, text packets as
/// text frames, binary messages as raw binary frames. At most one batch is being written at a time: while it is, the
/// transport is not writable and later packets coalesce into the next batch. An idle connection runs no writer at all.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The abort source outlives the connection on purpose: late closes may still signal it.")]
internal sealed class WebSocketTransport : EngineTransport
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);
    private readonly WebSocket _socket;
    private readonly IEngineIoSharedFrameWebSocket? _sharedFrames; // an engine that queues frames without copying them
    private readonly IEngineIoIdleWaitWebSocket? _idleWait; // an engine that waits for input apart from the receive
    private readonly EngineIoOptions _options;
    // Never disposed: late callers (a close racing the end of the connection) may still touch it.
    private readonly CancellationTokenSource _abort = new();
    private ITimer? _grace; // made at the first close, on the options' clock (CancelAfter would use the system's)
    private int _writable = 1; // 1: idle; 0: a batch or the close frame is being written
    private int _closeRequested;
    private int _readEnded; // 1 once the read loop is over

    public WebSocketTransport(WebSocket socket, EngineIoOptions options)
    {
        _socket = socket;
        _sharedFrames = socket as IEngineIoSharedFrameWebSocket;
        _idleWait = socket as IEngineIoIdleWaitWebSocket;
        _options = options;
    }

    public override string Name => EngineIoOptions.WebSocket;

    public override bool Writable => Volatile.Read(ref _writable) == 1 && IsOpen;

    public override bool TrySend(IReadOnlyList<EnginePacket> packets, Action? written)
    {
        if (!IsOpen || Interlocked.CompareExchange(ref _writable, 0, 1) != 1)
        {
            return false;
        }

        _ = SendBatchAsync(packets, written);
        return true;
    }

    /// <summary>
    /// Runs the connection until it closes; the HTTP request lives exactly as long as this task. One method, the read
    /// loop itself: every pending async method is a state machine each idle connection holds.
    /// </summary>
    public async Task RunAsync(CancellationToken requestAborted)
    {
        using var link = requestAborted.Register(static s => ((WebSocketTransport)s!).AbortConnection(), this);
        var max = _options.MaxHttpBufferSize;
        byte[]? buffer = null;
        try
        {
            var length = 0;
            var pieces = 0; // reads that made up the message so far (fragments, or parts of a frame as they arrived)
            while (true)
            {
                if (buffer is null)
                {
                    // Idle connections hold no receive buffer: a zero-byte read waits for the next frame, and only
                    // then is a buffer rented (the largest per-connection cost of an idle WebSocket otherwise).
                    ValueWebSocketReceiveResult peek;
                    try
                    {
                        if (_idleWait is not null)
                        {
                            // Inline, not in a helper: a helper's state machine would be held while idle.
                            await _idleWait.WaitToReceiveAsync().ConfigureAwait(false);
                            if (_idleWait.EndedWithoutClose())
                            {
                                return; // the client went away: what a failed receive would say, without the throw
                            }
                        }

                        peek = await _socket.ReceiveAsync(Memory<byte>.Empty, ReceiveToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
                    {
                        // The idle wait may fail with the socket's own exception (a reset, the socket closed).
                        return;
                    }

                    if (peek.MessageType == WebSocketMessageType.Close)
                    {
                        await CompleteCloseHandshakeAsync().ConfigureAwait(false);
                        return;
                    }

                    if (peek.EndOfMessage)
                    {
                        // The peek consumed a whole empty message: an empty text frame is a parse error, an empty binary
                        // frame an empty binary message.
                        RaisePacket(peek.MessageType != WebSocketMessageType.Binary ? null : Protocol == 3 ? EnginePacket.Noop : EnginePacket.Binary(Array.Empty<byte>()));
                        continue;
                    }

                    buffer = ArrayPool<byte>.Shared.Rent(4096);
                }

                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                ValueWebSocketReceiveResult result;
                try
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), ReceiveToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
                {
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CompleteCloseHandshakeAsync().ConfigureAwait(false);
                    return;
                }

                length += result.Count;
                if (length > max)
                {
                    // ws closes with 1009 and reports an error: the session ends with "transport error".
                    // The 1009 frame goes out before the error is reported: the session's close queues a normal
                    // close frame on the writer loop, which would otherwise race it and often win.
                    await CloseSocketAsync(WebSocketCloseStatus.MessageTooBig, "Max payload size exceeded").ConfigureAwait(false);
                    RaiseError("Max payload size exceeded");
                    return;
                }

                if (++pieces > _options.MaxBufferedChunks)
                {
                    // ws 8.23 with engine.io 6.6.13's maxBufferedChunks: a message in too many pieces closes with 1008.
                    await CloseSocketAsync(WebSocketCloseStatus.PolicyViolation, "Too many buffered chunks").ConfigureAwait(false);
                    RaiseError("Too many buffered chunks");
                    return;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                var frame = buffer.AsSpan(0, length);
                length = 0;
                pieces = 0;
                var packet = Protocol == 3 ? DecodeV3(frame, result.MessageType)
                    : result.MessageType == WebSocketMessageType.Binary
                    ? EnginePacket.Binary(frame.ToArray())
                    : EnginePacketCodec.TryDecodeText(frame, out var text) ? text : null;
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
                RaisePacket(packet);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            Volatile.Write(ref _readEnded, 1);
            RaiseClose();
            // Ends a batch still being written to a connection that is gone.
            await _abort.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The token of the receives: none where the WebSocket waits idle apart from them (<see cref="AbortConnection"/>
    /// aborts it instead: a token would leave a registration on the abort source of every connection).
    /// </summary>
    private CancellationToken ReceiveToken => _idleWait is null ? _abort.Token : CancellationToken.None;

    /// <summary>
    /// Ends the connection now: what a cancelled receive did. A WebSocket that waits idle without the token is
    /// aborted here, while the read loop runs (after it, the owner's Dispose closes it once a queued close is out).
    /// </summary>
    private void AbortConnection()
    {
        _abort.Cancel();
        if (_idleWait is not null && Volatile.Read(ref _readEnded) == 0)
        {
            _socket.Abort();
        }
    }

    /// <summary>
    /// A v3 frame: binary frames carry the packet type in their first byte, and a text frame may be <c>b</c>+base64
    /// (parser-v3 decodePacket). An empty binary frame has no type: ignored, as engine.io does.
    /// </summary>
    private static EnginePacket? DecodeV3(ReadOnlySpan<byte> frame, WebSocketMessageType type) =>
        type == WebSocketMessageType.Binary ? EngineV3Codec.DecodeBinaryFrame(frame) : EngineV3Codec.DecodeText(frame);

    /// <summary>A v3 frame: binary messages get the type byte (or go as <c>b4</c>+base64 text to a <c>b64</c> client).</summary>
    private (ReadOnlyMemory<byte> Frame, WebSocketMessageType Type) EncodeV3(EnginePacket packet) =>
        !packet.IsBinary ? (packet.TextFrame, WebSocketMessageType.Text)
        : SupportsBinary ? (EngineV3Codec.EncodeBinaryFrame(packet), WebSocketMessageType.Binary)
        : (EngineV3Codec.EncodeBase64Frame(packet), WebSocketMessageType.Text);

    private async Task SendBatchAsync(IReadOnlyList<EnginePacket> packets, Action? written)
    {
        try
        {
            for (var i = 0; i < packets.Count; i++)
            {
                var p = packets[i];
                var (frame, type) = Protocol == 3 ? EncodeV3(p)
                    : p.IsBinary ? (p.Data, WebSocketMessageType.Binary) : (p.TextFrame, WebSocketMessageType.Text);
                // engine.io's websocket transport: compress(false), or a frame under the threshold, is sent as is.
                var flags = _options.PerMessageDeflate && p.Compress && frame.Length >= _options.PerMessageDeflateThreshold
                    ? WebSocketMessageFlags.EndOfMessage
                    : WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression;
                if (_sharedFrames is not null)
                {
                    // Encoded frames are never changed (a broadcast's are every recipient's): no copy needed.
                    await _sharedFrames.SendSharedAsync(frame, type, flags, _abort.Token).ConfigureAwait(false);
                }
                else if (_options.PerMessageDeflate)
                {
                    await _socket.SendAsync(frame, type, flags, _abort.Token).ConfigureAwait(false);
                }
                else
                {
                    await _socket.SendAsync(frame, type, true, _abort.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            if (!_abort.IsCancellationRequested)
            {
                RaiseError("write error");
                AbortConnection();
            }

            return;
        }

        // Every frame is written (websocket.ts: the last frame's callback emits "drain", then "ready").
        written?.Invoke();

        // A close requested while the batch was being written goes out behind it, as ws queues it (websocket.ts doClose).
        if (Volatile.Read(ref _closeRequested) == 1)
        {
            await CloseSocketAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
            return;
        }

        Volatile.Write(ref _writable, 1);
        if (Volatile.Read(ref _closeRequested) == 1 && Interlocked.CompareExchange(ref _writable, 0, 1) == 1)
        {
            // The close arrived between the check above and becoming writable, and lost the race for the socket.
            await CloseSocketAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
            return;
        }

        RaiseReady();
    }

    private async Task CompleteCloseHandshakeAsync()
    {
        if (_socket.State == WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(CloseGrace, _options.TimeProvider);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                // The peer is gone; nothing left to close.
            }
        }
    }

    private async Task CloseSocketAsync(WebSocketCloseStatus status, string? description)
    {
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, description, _abort.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Already broken: the read loop ends on its own.
        }

        // Give the peer a moment to answer the close frame (ws waits up to 30 s); then drop the connection.
        AbortAfterGrace();
    }

    /// <summary>Aborts the connection <see cref="CloseGrace"/> from now (from the latest call, as CancelAfter does).</summary>
    private void AbortAfterGrace()
    {
        var timer = Volatile.Read(ref _grace);
        if (timer is null)
        {
            var made = _options.TimeProvider.CreateTimer(static s => ((WebSocketTransport)s!).AbortConnection(), this, CloseGrace, Timeout.InfiniteTimeSpan);
            if ((timer = Interlocked.CompareExchange(ref _grace, made, null)) is null)
            {
                return;
            }

            made.Dispose(); // another close made one first
        }

        timer.Change(CloseGrace, Timeout.InfiniteTimeSpan);
    }

    protected override void DoClose(Action onClosed)
    {
        // Idle: send the close frame now. Otherwise the batch being written sends it when it is done; a peer that has
        // stopped reading never lets that batch finish, so the connection is dropped after the same grace either way
        // (ws destroys the socket when its close times out).
        Volatile.Write(ref _closeRequested, 1);
        if (Interlocked.CompareExchange(ref _writable, 0, 1) == 1)
        {
            _ = CloseSocketAsync(WebSocketCloseStatus.NormalClosure, null);
        }
        else
        {
            AbortAfterGrace();
        }

        onClosed();
    }
}
