using System.Collections.Concurrent;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// Writes the frames that <see cref="SocketWebSocket"/>s have queued, a little later and in one piece per socket: a
/// burst of broadcasts, or the acks of a batch of requests, leaves each socket with one system call instead of one per
/// message (what Kestrel's output pipes and their I/O queues do for its connections). One work item drains a lane and
/// serves every socket queued on it meanwhile; there are as many lanes as processors (at most 16).
/// </summary>
internal sealed class SocketSendQueue : IThreadPoolWorkItem
{
    private static readonly SocketSendQueue[] Lanes = CreateLanes();
    private static int _next;

    private readonly ConcurrentQueue<SocketWebSocket> _queue = new();
    private int _scheduled;

    /// <summary>The lane for a new socket (round robin).</summary>
    public static SocketSendQueue Next() => Lanes[(int)((uint)Interlocked.Increment(ref _next) % (uint)Lanes.Length)];

    /// <summary>Asks for <paramref name="socket"/>'s pending frames to be written; the socket asks once per batch.</summary>
    public void Schedule(SocketWebSocket socket)
    {
        if (EpollLoop.Current is { } loop)
        {
            // On an event loop's thread (a message's handler, a write that caught up): written at the end of its batch.
            loop.FlushAfterBatch(socket);
            return;
        }

        _queue.Enqueue(socket);
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    public void Execute()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var socket))
            {
                socket.FlushQueued();
            }

            // A full fence (not a plain store): the emptiness check below must not be read before the reset is visible,
            // or a socket queued in between would find the lane still scheduled and wait for nobody.
            Interlocked.Exchange(ref _scheduled, 0);
            // A socket queued between the last dequeue and the reset: go on if nobody else was scheduled for it.
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private static SocketSendQueue[] CreateLanes()
    {
        var lanes = new SocketSendQueue[Math.Clamp(Environment.ProcessorCount, 1, 16)];
        for (var i = 0; i < lanes.Length; i++)
        {
            lanes[i] = new SocketSendQueue();
        }

        return lanes;
    }
}
