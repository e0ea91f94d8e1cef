using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// The server end of an RFC 6455 WebSocket straight on an accepted socket, for the sessions the direct listener
/// answers itself (<see cref="DirectSocketListener"/>). An idle connection holds the socket, this object and one
/// pending zero-byte receive: no receive buffer (one is rented when data arrives and returned once it is consumed), no
/// pipes, no send loop. Frames are queued and written a little later, all that a socket has queued in one system call
/// (<see cref="SocketSendQueue"/>).
/// </summary>
/// <remarks>
/// One extension, permessage-deflate (RFC 7692), when the handshake negotiated it (<paramref name="deflate"/>; see
/// SocketWebSocket.Deflate.cs); no subprotocol, no keep-alive pings (Engine.IO has its own heartbeat). Protocol errors
/// close with 1002 (1007 for invalid UTF-8 text) and throw, as ManagedWebSocket does; the owner disposes it, which
/// closes the socket.
/// </remarks>
/// <param name="socket">The connection, after the 101.</param>
/// <param name="time">The server's clock, for the close timeout.</param>
/// <param name="socketClosed">
/// Told once when the socket is closed, which can be up to the close timeout after <see cref="Dispose"/> when the
/// queue waits on a peer that does not read: the owner counts the connection until then.
/// </param>
/// <param name="deflate">The permessage-deflate agreement, or null when the connection has none.</param>
/// <param name="io">
/// The socket's reads and writes (on an event loop, see <see cref="DirectSocketIo"/>); null: the socket's own
/// asynchronous methods.
/// </param>
internal sealed partial class SocketWebSocket(Socket socket, TimeProvider time, Action<Socket>? socketClosed = null, PerMessageDeflateParameters? deflate = null, DirectSocketIo? io = null) : WebSocket
{
    private readonly DirectSocketIo _io = io ?? DirectSocketIo.Create(socket, eventLoop: false);
    private const int ReceiveBufferSize = 4096;
    private const int MaxControlPayload = 125;
    private byte[]? _buffer; // received bytes [_start, _end) not yet consumed; null when all are
    private int _start;
    private int _end;
    private long _remaining; // payload bytes of the current data frame not yet returned
    private uint _mask; // the frame's masking key, rotated so that its low byte masks the next payload byte
    private bool _frameFin;
    private bool _inMessage; // a data message has begun and its final frame is still to come
    private WebSocketMessageType _messageType;
    private Utf8StreamValidator _utf8;
    private int _state = (int)WebSocketState.Open;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeDescription;
    private int _disposed;
    private int _socketClosed;

    public override WebSocketCloseStatus? CloseStatus => _closeStatus;

    public override string? CloseStatusDescription => _closeDescription;

    public override WebSocketState State => (WebSocketState)Volatile.Read(ref _state);

    public override string? SubProtocol => null;

    /// <summary>Whether the writer waits for the peer to read (the kernel's buffer is full); tests look at it.</summary>
    internal bool WaitsOnThePeer
    {
        get
        {
            lock (_outGate)
            {
                return _writingAsync;
            }
        }
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var r = await ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return r.MessageType == WebSocketMessageType.Close
            ? new WebSocketReceiveResult(0, WebSocketMessageType.Close, true, _closeStatus, _closeDescription)
            : new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage);
    }

    /// <summary>
    /// Receives the next part of a message. As with ManagedWebSocket, an empty buffer reads the next frame's header
    /// and returns a count of 0 (end of message only for an empty final frame); control frames are answered inside.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (State is not (WebSocketState.Open or WebSocketState.CloseSent))
        {
            throw new WebSocketException(WebSocketError.InvalidState, $"The WebSocket is {State}; it cannot receive.");
        }

        using var cancel = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((SocketWebSocket)s!).Abort(), this)
            : default;
        try
        {
            while (true)
            {
                if (_compressed)
                {
                    return await ReceiveInflatedAsync(buffer).ConfigureAwait(false);
                }

                if (_buffer is null)
                {
                    // Idle: wait for data without holding a buffer (and with no other await in between: an idle
                    // connection keeps only this method's state), then rent one for what has arrived.
                    // The token's registration above aborts the socket, which ends this receive too.
                    if (TakeInputKnown())
                    {
                        // Seen just now by the transport's EndedWithoutClose: no second probe.
                    }
                    else if (_io.OnEventLoop)
                    {
                        await _io.WaitToReceiveAsync().ConfigureAwait(false);
                    }
                    else
                    {
                        await _io.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
                    }

                    RentBuffer();
                }

                if (_remaining > 0)
                {
                    break;
                }

                if (await ReadFrameHeaderAsync().ConfigureAwait(false) is { } result)
                {
                    ReleaseBufferIfConsumed();
                    return result;
                }

                if (_remaining > 0 && buffer.IsEmpty)
                {
                    ReleaseBufferIfConsumed();
                    return new ValueWebSocketReceiveResult(0, _messageType, false);
                }

                ReleaseBufferIfConsumed(); // after a ping or pong, wait idle again
            }

            if (buffer.IsEmpty)
            {
                ReleaseBufferIfConsumed();
                return new ValueWebSocketReceiveResult(0, _messageType, false);
            }

            if (_start == _end)
            {
                await FillAsync().ConfigureAwait(false);
            }

            var count = (int)Math.Min(Math.Min(_end - _start, _remaining), buffer.Length);
            var payload = _buffer.AsSpan(_start, count);
            _mask = Unmask(payload, _mask);
            payload.CopyTo(buffer.Span);
            _start += count;
            _remaining -= count;
            var end = _remaining == 0 && _frameFin;
            if (_messageType == WebSocketMessageType.Text && !_utf8.Append(buffer.Span[..count], end))
            {
                await FailAsync(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in a text message.").ConfigureAwait(false);
            }

            if (end)
            {
                _inMessage = false;
            }

            ReleaseBufferIfConsumed();
            return new ValueWebSocketReceiveResult(count, _messageType, end);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            ReleaseBuffer();
            MarkAborted();
            cancellationToken.ThrowIfCancellationRequested();
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, ex);
        }
        catch
        {
            ReleaseBuffer();
            MarkAborted();
            throw;
        }
    }

    /// <summary>
    /// Reads one frame header. Control frames are handled here: a close returns its result; pings and pongs return
    /// null with no data frame begun. A data frame's header sets the frame state and returns null, or returns the
    /// result itself when the frame is empty.
    /// </summary>
    private async ValueTask<ValueWebSocketReceiveResult?> ReadFrameHeaderAsync()
    {
        await EnsureAsync(2).ConfigureAwait(false);
        var b0 = _buffer![_start];
        var b1 = _buffer[_start + 1];
        var fin = (b0 & 0x80) != 0;
        var opcode = b0 & 0x0F;
        var length7 = b1 & 0x7F;
        // RSV1 marks a compressed message's first frame, and only where permessage-deflate was agreed (RFC 7692 §6;
        // ws: "RSV1 must be clear", 1002, on control and continuation frames too).
        var rsv1 = (b0 & 0x40) != 0;
        if ((b0 & 0x30) != 0 || (b1 & 0x80) == 0 || (rsv1 && (deflate is null || opcode is not (1 or 2))))
        {
            await FailAsync(WebSocketCloseStatus.ProtocolError, "Reserved bits set, or an unmasked client frame.").ConfigureAwait(false);
        }

        var headerLength = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
        await EnsureAsync(headerLength).ConfigureAwait(false);
        var (length, mask) = ParseLengthAndMask(_buffer.AsSpan(_start, headerLength), length7);
        _start += headerLength;
        if (length < 0)
        {
            await FailAsync(WebSocketCloseStatus.ProtocolError, "Frame length out of range.").ConfigureAwait(false);
        }

        if (opcode >= 8)
        {
            if (!fin || length > MaxControlPayload || opcode > 10)
            {
                await FailAsync(WebSocketCloseStatus.ProtocolError, "Invalid control frame.").ConfigureAwait(false);
            }

            await EnsureAsync((int)length).ConfigureAwait(false);
            var payload = TakeControlPayload((int)length, mask);
            if (opcode == 8)
            {
                return await OnCloseFrameAsync(payload).ConfigureAwait(false);
            }

            if (opcode == 9 && State == WebSocketState.Open)
            {
                _ = EnqueueFrame(0xA, true, payload); // no wait for the queue to drain: this is the reader
            }

            return null; // a pong, or a ping after our close: nothing to do
        }

        if (opcode == 0 ? !_inMessage : opcode > 2 || _inMessage)
        {
            await FailAsync(WebSocketCloseStatus.ProtocolError, "Unexpected data frame opcode.").ConfigureAwait(false);
        }

        if (opcode != 0)
        {
            _messageType = opcode == 1 ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
            _inMessage = true;
            _utf8 = default;
            if (rsv1)
            {
                BeginInflatedMessage();
            }
        }

        _frameFin = fin;
        _mask = mask;
        _remaining = length;
        if (length > 0 || _compressed)
        {
            return null; // a compressed message's frames, empty ones too, are read by ReceiveInflatedAsync
        }

        if (fin)
        {
            _inMessage = false;
            if (_messageType == WebSocketMessageType.Text && !_utf8.Append([], true))
            {
                await FailAsync(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in a text message.").ConfigureAwait(false);
            }
        }

        return new ValueWebSocketReceiveResult(0, _messageType, fin);
    }

    private static (long Length, uint Mask) ParseLengthAndMask(ReadOnlySpan<byte> header, int length7)
    {
        var length = length7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(header[2..]),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(header[2..]),
            _ => length7,
        };
        return (length, BinaryPrimitives.ReadUInt32LittleEndian(header[^4..]));
    }

    private byte[] TakeControlPayload(int length, uint mask)
    {
        var payload = _buffer.AsSpan(_start, length).ToArray();
        Unmask(payload, mask);
        _start += length;
        return payload;
    }

    private async ValueTask<ValueWebSocketReceiveResult?> OnCloseFrameAsync(byte[] payload)
    {
        if (payload.Length == 1)
        {
            await FailAsync(WebSocketCloseStatus.ProtocolError, "A close frame with a one-byte payload.").ConfigureAwait(false);
        }

        var status = WebSocketCloseStatus.Empty;
        string? description = null;
        if (payload.Length >= 2)
        {
            var code = BinaryPrimitives.ReadUInt16BigEndian(payload);
            if (!IsValidReceivedCloseCode(code))
            {
                await FailAsync(WebSocketCloseStatus.ProtocolError, $"Invalid close code {code}.").ConfigureAwait(false);
            }

            try
            {
                description = StrictUtf8.GetString(payload, 2, payload.Length - 2);
            }
            catch (DecoderFallbackException)
            {
                await FailAsync(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in the close reason.").ConfigureAwait(false);
            }

            status = (WebSocketCloseStatus)code;
        }

        _closeStatus = status;
        _closeDescription = description;
        // Open → CloseReceived (the owner answers with CloseOutputAsync); CloseSent → Closed.
        if (Interlocked.CompareExchange(ref _state, (int)WebSocketState.CloseReceived, (int)WebSocketState.Open) != (int)WebSocketState.Open)
        {
            Interlocked.CompareExchange(ref _state, (int)WebSocketState.Closed, (int)WebSocketState.CloseSent);
        }

        return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
    }

    private static bool IsValidReceivedCloseCode(int code) => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Waits until at least <paramref name="count"/> unconsumed bytes are buffered (count ≤ the buffer size).</summary>
    private async ValueTask EnsureAsync(int count)
    {
        while (_end - _start < count)
        {
            await FillAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Receives more bytes behind the unconsumed ones.</summary>
    private async ValueTask FillAsync()
    {
        if (_buffer is null)
        {
            RentBuffer();
        }
        else if (_end == _buffer.Length || _start > _buffer.Length / 2)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var read = await _io.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
        if (read == 0)
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The peer closed the connection without a close frame.");
        }

        _end += read;
    }

    private void RentBuffer()
    {
        _buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        _start = _end = 0;
    }

    private void ReleaseBufferIfConsumed()
    {
        if (_start == _end)
        {
            ReleaseBuffer();
        }
    }

    private void ReleaseBuffer()
    {
        if (_buffer is { } b)
        {
            _buffer = null;
            _start = _end = 0;
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    /// <summary>XORs <paramref name="data"/> with the masking key; returns the key rotated for the byte after it.</summary>
    internal static uint Unmask(Span<byte> data, uint mask)
    {
        var i = 0;
        if (data.Length >= 8)
        {
            // 8 bytes at a time: a multiple of the 4-byte key, so the key's rotation is unchanged after each step.
            var wide = mask | ((ulong)mask << 32);
            for (; i + 8 <= data.Length; i += 8)
            {
                var chunk = data.Slice(i, 8);
                BinaryPrimitives.WriteUInt64LittleEndian(chunk, BinaryPrimitives.ReadUInt64LittleEndian(chunk) ^ wide);
            }
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= (byte)mask;
            mask = BitOperations.RotateRight(mask, 8);
        }

        return mask;
    }

    /// <summary>Closes with <paramref name="status"/> (best effort) and throws, as on any protocol violation.</summary>
    private async ValueTask FailAsync(WebSocketCloseStatus status, string message)
    {
        try
        {
            if (State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await SendCloseFrameAsync(status, null, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or SocketException or ObjectDisposedException)
        {
            // The peer is gone as well.
        }

        MarkAborted();
        throw new WebSocketException(WebSocketError.Faulted, message);
    }

    private void MarkAborted()
    {
        int state;
        do
        {
            state = Volatile.Read(ref _state);
            if (state is (int)WebSocketState.Closed or (int)WebSocketState.Aborted)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _state, (int)WebSocketState.Aborted, state) != state);
    }
}
