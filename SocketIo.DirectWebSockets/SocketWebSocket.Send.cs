using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// The sending half: frames are appended to one queue (data, pongs and the close frame alike, so they never interleave)
/// and written by <see cref="SocketSendQueue"/>, all that is queued in one system call. A send completes once its frame
/// is queued; past <see cref="HighWater"/> queued bytes it completes when the queue has been written, which holds the
/// Engine.IO transport back (its packets then wait in the session's buffer) as a full Kestrel output pipe would.
/// </summary>
internal sealed partial class SocketWebSocket
{
    private const int HighWater = 64 * 1024;
    private const int MinOutBuffer = 1024; // a burst of small broadcast frames fits without growing

    private const int SmallOutBuffer = 2048;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    // The queues' small buffers. During a burst to a large room every recipient holds one until the writer gets to
    // it: tens of thousands at once, far more than the shared pool keeps, and allocating them was a third of the CPU
    // of a broadcast to 10,000 sockets. This pool keeps what a peak needed, up to 16k buffers of 1 and 2 KB (48 MB at
    // most); larger queues (big messages, slow readers) use the shared pool, which gives memory back.
    private static readonly ArrayPool<byte> SmallOutPool = ArrayPool<byte>.Create(SmallOutBuffer, 16 * 1024);

    private readonly Lock _outGate = new();
    private readonly SocketSendQueue _lane = SocketSendQueue.Next();
    private byte[]? _out; // frames queued and not yet taken by the writer
    private int _outCount;
    private bool _writerActive; // queued on the lane or writing: the writer owns the socket's sends until it clears this
    private bool _closeWhenWritten; // disposed while the writer was active: it closes the socket when done
    private bool _writingAsync; // the writer waits for a slow reader: a dispose closes the socket at once
    private TaskCompletionSource? _drained; // senders waiting for the queue to go under the high-water mark
    private bool _sendingFragments;
    private bool _sendingCompressed; // the message being sent in fragments is compressed
    private int _writes;

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    /// <summary>Sends a message or part of one; compressed when permessage-deflate was agreed, as ManagedWebSocket does.</summary>
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendCoreAsync(buffer, messageType, endOfMessage, compress: true, cancellationToken);

    /// <summary>
    /// Sends a message or part of one; <see cref="WebSocketMessageFlags.DisableCompression"/> sends it uncompressed
    /// (the Engine.IO transport sets it for <c>compress(false)</c> and frames under <c>perMessageDeflateThreshold</c>).
    /// </summary>
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken) =>
        SendCoreAsync(
            buffer,
            messageType,
            (messageFlags & WebSocketMessageFlags.EndOfMessage) != 0,
            (messageFlags & WebSocketMessageFlags.DisableCompression) == 0,
            cancellationToken);

    private ValueTask SendCoreAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, bool compress, CancellationToken cancellationToken)
    {
        if (messageType is not (WebSocketMessageType.Text or WebSocketMessageType.Binary))
        {
            throw new ArgumentException("Only text and binary messages can be sent; close with CloseOutputAsync.", nameof(messageType));
        }

        // The state is checked where the frame is queued, under the queue's lock (EnqueueFrame).
        var first = !_sendingFragments;
        var opcode = first ? messageType == WebSocketMessageType.Text ? 1 : 2 : 0;
        _sendingFragments = !endOfMessage;
        // The first frame decides for the whole message (RSV1 is on it alone). An empty message goes as it is.
        compress = first ? compress && deflate is not null && !(endOfMessage && buffer.IsEmpty) : _sendingCompressed;
        _sendingCompressed = compress && !endOfMessage;
        return WaitIfFull(
            compress ? EnqueueDeflated(opcode, first, endOfMessage, buffer.Span) : EnqueueFrame(opcode, endOfMessage, buffer.Span, dataFrame: true),
            cancellationToken);
    }

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        SendCloseFrameAsync(closeStatus, statusDescription, cancellationToken).AsTask();

    public override async Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        await SendCloseFrameAsync(closeStatus, statusDescription, cancellationToken).ConfigureAwait(false);
        var scratch = new byte[MaxControlPayload];
        while (State == WebSocketState.CloseSent)
        {
            await ReceiveAsync(scratch.AsMemory(), cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask SendCloseFrameAsync(WebSocketCloseStatus status, string? description, CancellationToken cancellationToken)
    {
        var reason = description is null ? 0 : Encoding.UTF8.GetByteCount(description);
        if (reason > MaxControlPayload - 2)
        {
            throw new ArgumentException("The close reason is longer than 123 bytes.", nameof(description));
        }

        // Open → CloseSent; CloseReceived → Closed (this answers the peer's close); after that, nothing more to send.
        var before = Interlocked.CompareExchange(ref _state, (int)WebSocketState.CloseSent, (int)WebSocketState.Open);
        if (before == (int)WebSocketState.CloseReceived)
        {
            before = Interlocked.CompareExchange(ref _state, (int)WebSocketState.Closed, (int)WebSocketState.CloseReceived);
        }

        if (before is not ((int)WebSocketState.Open or (int)WebSocketState.CloseReceived))
        {
            return before == (int)WebSocketState.Aborted
                ? ValueTask.FromException(new WebSocketException(WebSocketError.InvalidState, "The WebSocket was aborted."))
                : ValueTask.CompletedTask;
        }

        Span<byte> payload = stackalloc byte[status == WebSocketCloseStatus.Empty ? 0 : 2 + reason];
        if (!payload.IsEmpty)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
            if (description is not null)
            {
                Encoding.UTF8.GetBytes(description, payload[2..]);
            }
        }

        return WaitIfFull(EnqueueFrame(8, true, payload), cancellationToken);
    }

    /// <summary>Appends one frame to the queue and wakes the writer; returns a task when the queue is past the mark.</summary>
    /// <param name="opcode">The frame's opcode, with RSV1 (0x40) on a compressed message's first frame.</param>
    /// <param name="fin">Whether it ends its message.</param>
    /// <param name="payload">The payload, copied.</param>
    /// <param name="dataFrame">
    /// A data frame: refused once the close frame has been queued (checked here, under the queue's lock, so that a
    /// close queued by the reader while a send was on its way cannot be followed by data, RFC 6455 §5.5.1).
    /// </param>
    private Task? EnqueueFrame(int opcode, bool fin, ReadOnlySpan<byte> payload, bool dataFrame = false)
    {
        Span<byte> header = stackalloc byte[10];
        var headerLength = WriteHeader(header, opcode, fin, payload.Length);
        lock (_outGate)
        {
            ThrowIfCannotQueueLocked(dataFrame);
            GrowOutLocked(_outCount + headerLength + payload.Length);
            header[..headerLength].CopyTo(_out.AsSpan(_outCount));
            payload.CopyTo(_out.AsSpan(_outCount + headerLength));
            _outCount += headerLength + payload.Length;
            return ScheduleWriterLocked();
        }
    }

    /// <summary>Queues bytes that are not a frame (the handshake's answer) ahead of the frames queued after them.</summary>
    internal void QueueRaw(ReadOnlySpan<byte> bytes)
    {
        lock (_outGate)
        {
            ThrowIfCannotQueueLocked(dataFrame: false);
            GrowOutLocked(_outCount + bytes.Length);
            bytes.CopyTo(_out.AsSpan(_outCount));
            _outCount += bytes.Length;
            _ = ScheduleWriterLocked();
        }
    }

    private void ThrowIfCannotQueueLocked(bool dataFrame)
    {
        if (_closeWhenWritten || Volatile.Read(ref _disposed) != 0
            || (dataFrame && State is not (WebSocketState.Open or WebSocketState.CloseReceived)))
        {
            throw new WebSocketException(WebSocketError.InvalidState, $"The WebSocket is {State}; it cannot send.");
        }
    }

    /// <summary>Makes <c>_out</c> hold at least <paramref name="needed"/> bytes, keeping what is queued.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_out))]
    private void GrowOutLocked(int needed)
    {
        if (_out is null || needed > _out.Length)
        {
            var bigger = RentOut(Math.Max(MinOutBuffer, _out is null ? needed : Math.Max(needed, _out.Length * 2)));
            if (_out is not null)
            {
                _out.AsSpan(0, _outCount).CopyTo(bigger);
                ReturnOut(_out);
            }

            _out = bigger;
        }
    }

    /// <summary>Wakes the writer if it is idle; returns a task when the queue (copied and shared bytes) is past the mark.</summary>
    private Task? ScheduleWriterLocked()
    {
        if (!_writerActive)
        {
            _writerActive = true;
            _lane.Schedule(this);
        }

        if (_outCount + _sharedBytes < HighWater)
        {
            return null;
        }

        _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _drained.Task;
    }

    /// <summary>
    /// Waits for a full queue to be written. A send cancelled while it waits aborts the WebSocket, as ManagedWebSocket
    /// does: the caller cannot tell what went out.
    /// </summary>
    private async ValueTask WaitIfFull(Task? drained, CancellationToken cancellationToken)
    {
        if (drained is null)
        {
            return;
        }

        try
        {
            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Abort();
            throw;
        }
    }

    /// <summary>System calls that wrote this socket's queue (tests look at how frames were gathered).</summary>
    internal int Writes => Volatile.Read(ref _writes);

    /// <summary>Writes everything queued (called by the lane). Frames queued meanwhile go out in the same turn.</summary>
    internal void FlushQueued()
    {
        while (true)
        {
            byte[]? chunk;
            int count;
            bool closing;
            List<SharedPayload>? shared;
            int sharedBytes;
            lock (_outGate)
            {
                chunk = _out;
                count = _outCount;
                closing = _closeWhenWritten;
                shared = _shared;
                sharedBytes = _sharedBytes;
                _out = null;
                _outCount = 0;
                _shared = null;
                _sharedBytes = 0;
                if (count == 0)
                {
                    _writerActive = false;
                    ReleaseWaitersLocked(null);
                    if (chunk is not null)
                    {
                        ReturnOut(chunk);
                    }

                    if (closing)
                    {
                        CloseSocket();
                    }

                    return;
                }
            }

            if (shared is not null)
            {
                // Headers in chunk, payloads by reference: one gather write.
                var pieces = PiecesOf(chunk, count, shared);
                var total = count + sharedBytes;
                _writes++;
                var taken = NonBlockingSend.TrySend(socket, pieces);
                if (taken < total)
                {
                    lock (_outGate)
                    {
                        closing |= _closeWhenWritten;
                        _writingAsync = true;
                    }

                    if (closing)
                    {
                        CloseSoon();
                    }

                    _ = WritePiecesRestAsync(chunk, shared, pieces, taken);
                    return;
                }

                ReturnOut(chunk!);
                Recycle(shared, pieces);
                lock (_outGate)
                {
                    ReleaseWaitersLocked(null);
                }

                continue;
            }

            _writes++;
            var sent = NonBlockingSend.TrySend(socket, chunk.AsSpan(0, count));
            if (sent < count)
            {
                lock (_outGate)
                {
                    closing |= _closeWhenWritten;
                    _writingAsync = true;
                }

                if (closing)
                {
                    CloseSoon(); // disposed: the rest (a close frame, typically) gets the close timeout to go out
                }

                _ = WriteRestAsync(chunk!, sent, count);
                return;
            }

            ReturnOut(chunk!);
            lock (_outGate)
            {
                ReleaseWaitersLocked(null);
            }
        }
    }

    /// <summary>The kernel's buffer is full (a slow reader): waits on the socket, then goes on with the queue.</summary>
    private async Task WriteRestAsync(byte[] chunk, int offset, int count)
    {
        try
        {
            while (offset < count)
            {
                offset += await _io.SendAsync(chunk.AsMemory(offset, count - offset)).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Runs unobserved: nothing may escape (the usual cause is the socket closed under the write).
            OnWriteFailed(ex);
            return;
        }
        finally
        {
            ReturnOut(chunk);
        }

        OnWriteCaughtUp();
    }

    /// <summary>A write that waited on the peer failed: the connection is gone.</summary>
    private void OnWriteFailed(Exception ex)
    {
        MarkAborted();
        DropQueue(new WebSocketException(WebSocketError.ConnectionClosedPrematurely, ex));
        CloseSocket();
    }

    /// <summary>A write that waited on the peer is done: the senders waiting on the mark go on, and so does the queue.</summary>
    private void OnWriteCaughtUp()
    {
        lock (_outGate)
        {
            _writingAsync = false;
            ReleaseWaitersLocked(null);
        }

        FlushQueued();
    }

    /// <summary>Discards the queue for good (the socket is gone); waiting senders fail with <paramref name="error"/>.</summary>
    private void DropQueue(Exception? error)
    {
        lock (_outGate)
        {
            if (_out is not null)
            {
                ReturnOut(_out);
                _out = null;
            }

            _outCount = 0;
            _shared?.Clear();
            _shared = null;
            _sharedBytes = 0;
            _writerActive = false;
            _closeWhenWritten = true; // nothing more is queued
            ReleaseWaitersLocked(error);
        }
    }

    private void ReleaseWaitersLocked(Exception? error)
    {
        if (_drained is { } drained && (error is not null || _outCount + _sharedBytes < HighWater))
        {
            _drained = null;
            if (error is null)
            {
                drained.TrySetResult();
            }
            else
            {
                drained.TrySetException(error);
                _ = drained.Task.Exception; // observed: its waiter may have gone (a cancelled wait, a pong)
            }
        }
    }

    private static byte[] RentOut(int size) => size <= SmallOutBuffer ? SmallOutPool.Rent(size) : ArrayPool<byte>.Shared.Rent(size);

    private static void ReturnOut(byte[] buffer)
    {
        if (buffer.Length <= SmallOutBuffer)
        {
            SmallOutPool.Return(buffer);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes the socket after the close timeout: a writer still waiting on a peer that does not read ends then.</summary>
    private void CloseSoon() => _ = Task.Delay(CloseTimeout, time).ContinueWith(
        static (_, s) => ((SocketWebSocket)s!).CloseSocket(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Closes the socket, and tells the owner the first time.</summary>
    private void CloseSocket()
    {
        _io.Close();
        if (Interlocked.Exchange(ref _socketClosed, 1) == 0)
        {
            socketClosed?.Invoke(socket);
        }
    }

    /// <summary>A server frame header (unmasked) for a payload of <paramref name="length"/> bytes; returns its length.</summary>
    internal static int WriteHeader(Span<byte> destination, int opcode, bool fin, int length)
    {
        destination[0] = (byte)((fin ? 0x80 : 0) | opcode);
        if (length < 126)
        {
            destination[1] = (byte)length;
            return 2;
        }

        if (length <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
            return 4;
        }

        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)length);
        return 10;
    }

    /// <summary>Ends the connection at once: the socket is closed, queued frames are dropped, pending operations fail.</summary>
    public override void Abort()
    {
        MarkAborted();
        CloseSocket();
        DropQueue(new WebSocketException(WebSocketError.InvalidState, "The WebSocket was aborted."));
    }

    /// <summary>
    /// Closes the socket once the frames already queued (a close frame, typically) are written, as far as the kernel
    /// takes them at once. The owner calls it once no receive is pending (it also returns the receive buffer).
    /// </summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        MarkAborted();
        ReleaseBuffer();
        ReleaseDeflate();
        bool slowPeer;
        lock (_outGate)
        {
            if (!_writerActive)
            {
                _closeWhenWritten = true; // nothing more is queued
                CloseSocket();
                return;
            }

            _closeWhenWritten = true; // the writer closes the socket when it has written the queue
            slowPeer = _writingAsync;
        }

        if (slowPeer)
        {
            CloseSoon(); // ... or the close timeout, when the peer does not read
        }
    }
}
