using System.Buffers;
using System.IO.Pipelines;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// A connection's transport pipes as one read/write stream, for a WebSocket that runs straight on the connection.
/// A zero-byte read waits for data without taking any (WebSocketTransport's idle wait relies on it).
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe transport) : Stream
{
    private readonly PipeReader _input = transport.Input;
    private readonly PipeWriter _output = transport.Output;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // One async method (its state machine is held by every idle connection while it waits).
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                // The pipe was completed under a pending read (the connection is ending): a closed stream, not a bug.
                throw new IOException("The connection is closed.", ex);
            }

            var data = result.Buffer;
            if (result.IsCanceled)
            {
                _input.AdvanceTo(data.Start);
                throw new OperationCanceledException(cancellationToken);
            }

            if (buffer.Length == 0 || data.IsEmpty)
            {
                // Nothing taken: the next read sees the same bytes at once.
                _input.AdvanceTo(data.Start);
                if (data.IsEmpty && !result.IsCompleted)
                {
                    continue;
                }

                return 0;
            }

            var count = (int)Math.Min(buffer.Length, data.Length);
            data.Slice(0, count).CopyTo(buffer.Span);
            _input.AdvanceTo(data.GetPosition(count));
            return count;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        FlushResult result;
        try
        {
            result = await _output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new IOException("The connection is closed.", ex);
        }

        if (result.IsCanceled)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new IOException("The connection is closed.", ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Asynchronous only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Asynchronous only.");

    public override void Flush()
    {
        // Writes flush as they go.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The WebSocket is done with the connection (closed or aborted): release a read or flush still pending.
            // Kestrel completes the pipes and closes the socket when the connection middleware returns.
            _input.CancelPendingRead();
            _output.CancelPendingFlush();
        }

        base.Dispose(disposing);
    }
}
