using System.Net.WebSockets;
using System.Runtime.InteropServices;
using SocketIo.Server.EngineIo;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// Frames queued by reference (<see cref="IEngineIoSharedFrameWebSocket"/>): a broadcast's encoded frame is one buffer
/// for every recipient, so only its header goes into each connection's queue, and the writer hands the kernel the
/// header and the shared payload together (one <c>sendmsg(2)</c> with several pieces), as ws writes one buffer to every
/// socket. Copying a 16 KiB frame into a thousand queues cost more CPU than sending it, and the queues' buffers past
/// 2 KiB came from the shared pool, which does not keep a thousand of them: each burst allocated them again.
/// </summary>
internal sealed partial class SocketWebSocket : IEngineIoSharedFrameWebSocket
{
    /// <summary>Shorter messages are copied: a second piece costs more than copying a few hundred bytes.</summary>
    internal const int SharedMinLength = 1024;

    // Payloads queued by reference, in order: each goes out after the first Position bytes of _out.
    private List<SharedPayload>? _shared;
    private int _sharedBytes;
    private List<SharedPayload>? _sharedSpare; // the list the writer gave back, reused by the next queue
    private List<ArraySegment<byte>>? _pieces; // the writer's gather list, reused

    /// <inheritdoc />
    public ValueTask SendSharedAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken)
    {
        if ((messageFlags & WebSocketMessageFlags.EndOfMessage) == 0)
        {
            throw new ArgumentException("Only whole messages are sent by reference.", nameof(messageFlags));
        }

        var compress = (messageFlags & WebSocketMessageFlags.DisableCompression) == 0;
        if (messageType is not (WebSocketMessageType.Text or WebSocketMessageType.Binary)
            || _sendingFragments
            || (compress && deflate is not null)
            || message.Length < SharedMinLength
            || !MemoryMarshal.TryGetArray(message, out var payload))
        {
            // Compressed output is this connection's own; small and unusual messages are cheaper copied.
            return SendCoreAsync(message, messageType, endOfMessage: true, compress, cancellationToken);
        }

        return WaitIfFull(EnqueueShared(messageType == WebSocketMessageType.Text ? 1 : 2, payload), cancellationToken);
    }

    /// <summary>Queues a frame's header, and its payload by reference; as <see cref="EnqueueFrame"/> otherwise.</summary>
    private Task? EnqueueShared(int opcode, ArraySegment<byte> payload)
    {
        Span<byte> header = stackalloc byte[10];
        var headerLength = WriteHeader(header, opcode, fin: true, payload.Count);
        lock (_outGate)
        {
            ThrowIfCannotQueueLocked(dataFrame: true);
            GrowOutLocked(_outCount + headerLength);
            header[..headerLength].CopyTo(_out.AsSpan(_outCount));
            _outCount += headerLength;
            var shared = _shared ??= Interlocked.Exchange(ref _sharedSpare, null) ?? new List<SharedPayload>(4);
            shared.Add(new SharedPayload(_outCount, payload));
            _sharedBytes += payload.Count;
            return ScheduleWriterLocked();
        }
    }

    /// <summary>The pieces to write: the copied bytes, with each shared payload at its place.</summary>
    private List<ArraySegment<byte>> PiecesOf(byte[]? chunk, int count, List<SharedPayload> shared)
    {
        var pieces = Interlocked.Exchange(ref _pieces, null) ?? new List<ArraySegment<byte>>(2 * shared.Count + 1);
        var position = 0;
        foreach (var item in shared)
        {
            if (item.Position > position)
            {
                pieces.Add(new ArraySegment<byte>(chunk!, position, item.Position - position));
            }

            pieces.Add(item.Bytes);
            position = item.Position;
        }

        if (count > position)
        {
            pieces.Add(new ArraySegment<byte>(chunk!, position, count - position));
        }

        return pieces;
    }

    /// <summary>Gives the writer's lists back for the next queue (the payloads they held are released).</summary>
    private void Recycle(List<SharedPayload> shared, List<ArraySegment<byte>> pieces)
    {
        shared.Clear();
        pieces.Clear();
        Volatile.Write(ref _sharedSpare, shared);
        Volatile.Write(ref _pieces, pieces);
    }

    /// <summary>Drops the first <paramref name="sent"/> bytes of <paramref name="pieces"/>.</summary>
    private static void Advance(List<ArraySegment<byte>> pieces, int sent)
    {
        var done = 0;
        while (done < pieces.Count && sent >= pieces[done].Count)
        {
            sent -= pieces[done].Count;
            done++;
        }

        pieces.RemoveRange(0, done);
        if (sent > 0)
        {
            pieces[0] = pieces[0][sent..];
        }
    }

    /// <summary>The kernel did not take all the pieces at once (a slow reader): waits on the socket for the rest.</summary>
    private async Task WritePiecesRestAsync(byte[]? chunk, List<SharedPayload> shared, List<ArraySegment<byte>> pieces, int sent)
    {
        try
        {
            Advance(pieces, sent);
            while (pieces.Count > 0)
            {
                Advance(pieces, await _io.SendAsync(pieces).ConfigureAwait(false));
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
            if (chunk is not null)
            {
                ReturnOut(chunk);
            }

            Recycle(shared, pieces);
        }

        OnWriteCaughtUp();
    }

    private readonly record struct SharedPayload(int Position, ArraySegment<byte> Bytes);
}
