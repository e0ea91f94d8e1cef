using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace SocketIo.Server.EngineIo.Transports;

/// <summary>
/// The WebSocket transport (Node: engine.io <c>transports/websocket.ts</c>): one packet per frame, text packets as
/// text frames, binary messages as raw binary frames. One writer loop per connection sends batches in order;
/// while a batch is being written the transport is not writable, so later packets coalesce into the next batch.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The abort source outlives the connection on purpose: late closes may still signal it.")]
internal sealed class WebSocketTransport : EngineTransport
{
    private static readonly object CloseMarker = new();

    private readonly WebSocket _socket;
    private readonly EngineIoOptions _options;
    private readonly Channel<object> _outbound = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    // Never disposed: late callers (a close racing the end of the connection) may still touch it.
    private readonly CancellationTokenSource _abort = new();
    private int _writable = 1;

    public WebSocketTransport(WebSocket socket, EngineIoOptions options)
    {
        _socket = socket;
        _options = options;
    }

    public override string Name => EngineIoOptions.WebSocket;

    public override bool Writable => Volatile.Read(ref _writable) == 1 && IsOpen;

    public override bool TrySend(IReadOnlyList<EnginePacket> packets)
    {
        if (!IsOpen || Interlocked.CompareExchange(ref _writable, 0, 1) != 1)
        {
            return false;
        }

        return _outbound.Writer.TryWrite(packets);
    }

    /// <summary>Runs the connection until it closes; the HTTP request lives exactly as long as this task.</summary>
    public async Task RunAsync(CancellationToken requestAborted)
    {
        using var link = requestAborted.Register(static s => ((CancellationTokenSource)s!).Cancel(), _abort);
        var writer = WriteLoopAsync();
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        finally
        {
            RaiseClose();
            _outbound.Writer.TryComplete();
            await _abort.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync()
    {
        var max = _options.MaxHttpBufferSize;
        byte[]? buffer = null;
        try
        {
            var length = 0;
            while (true)
            {
                if (buffer is null)
                {
                    // Idle connections hold no receive buffer: a zero-byte read waits for the next frame, and only
                    // then is a buffer rented (the largest per-connection cost of an idle WebSocket otherwise).
                    ValueWebSocketReceiveResult peek;
                    try
                    {
                        peek = await _socket.ReceiveAsync(Memory<byte>.Empty, _abort.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
                    {
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
                        RaisePacket(peek.MessageType == WebSocketMessageType.Binary ? EnginePacket.Binary(Array.Empty<byte>()) : null);
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
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), _abort.Token).ConfigureAwait(false);
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

                if (!result.EndOfMessage)
                {
                    continue;
                }

                var frame = buffer.AsSpan(0, length);
                length = 0;
                var packet = result.MessageType == WebSocketMessageType.Binary
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
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var item in _outbound.Reader.ReadAllAsync(_abort.Token).ConfigureAwait(false))
            {
                if (ReferenceEquals(item, CloseMarker))
                {
                    await CloseSocketAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
                    return;
                }

                var packets = (IReadOnlyList<EnginePacket>)item;
                for (var i = 0; i < packets.Count; i++)
                {
                    var p = packets[i];
                    if (p.IsBinary)
                    {
                        await _socket.SendAsync(p.Data, WebSocketMessageType.Binary, true, _abort.Token).ConfigureAwait(false);
                    }
                    else
                    {
                        await _socket.SendAsync(p.TextFrame, WebSocketMessageType.Text, true, _abort.Token).ConfigureAwait(false);
                    }
                }

                Volatile.Write(ref _writable, 1);
                RaiseReady();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            if (!_abort.IsCancellationRequested)
            {
                RaiseError("write error");
                await _abort.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task CompleteCloseHandshakeAsync()
    {
        if (_socket.State == WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
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
        _abort.CancelAfter(TimeSpan.FromSeconds(5));
    }

    protected override void DoClose(Action onClosed)
    {
        // Queue the close frame behind packets already handed to the writer, as ws does (websocket.ts doClose).
        // False when the connection already ended: then nothing is left to close.
        _ = _outbound.Writer.TryWrite(CloseMarker);

        onClosed();
    }
}
