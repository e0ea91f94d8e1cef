using System.Threading.Channels;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Server;

/// <summary>
/// Gathers the answers of one acknowledged send into an <see cref="AckResponses"/>: each reached socket answers, leaves
/// or is timed out at the deadline, exactly once; the stream ends when none is left. Its ack entries are removed
/// from the sockets that did not answer, so an abandoned broadcast leaves nothing behind on them.
/// </summary>
internal sealed class AckCollector
{
    private readonly object _sync = new();
    private readonly long _ackId;
    private readonly Dictionary<string, SocketIoSocket> _pending = new(StringComparer.Ordinal);

    // Synchronous continuations: a reader that waits gets each answer on the thread that received it, before that
    // client's next packet is handled (Node resolves a broadcast ack on the receive path). Writes happen outside the
    // lock, so a reader's code never runs under it.
    private readonly Channel<AckResponse> _responses = Channel.CreateUnbounded<AckResponse>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });

    private bool _started;
    private bool _completed;
    private int _writing;
    private ITimer? _deadline;

    public AckCollector(long ackId) => _ackId = ackId;

    public ChannelReader<AckResponse> Reader => _responses.Reader;

    /// <summary>Registers the ack entry on <paramref name="socket"/> before its packet is written.</summary>
    public void Expect(SocketIoSocket socket)
    {
        lock (_sync)
        {
            _pending[socket.Id] = socket;
        }

        var id = socket.Id;
        socket.RegisterAck(_ackId, args => Finish(id, AckStatus.Answered, args.Count > 0 ? args[0] : null), () => Finish(id, AckStatus.Disconnected, null));
    }

    /// <summary>The packet did not reach <paramref name="socket"/>: no answer will come.</summary>
    public void Forget(SocketIoSocket socket)
    {
        socket.RemoveAck(_ackId);
        lock (_sync)
        {
            _pending.Remove(socket.Id);
        }
    }

    /// <summary>Every socket has been written to: the stream may now end, and the deadline runs.</summary>
    public void Start(TimeProvider time, TimeSpan? timeout)
    {
        bool complete;
        lock (_sync)
        {
            _started = true;
            complete = ShouldCompleteLocked();
            if (!complete && timeout is { } t)
            {
                _deadline = time.CreateTimer(static s => ((AckCollector)s!).TimeOut(), this, t, Timeout.InfiniteTimeSpan);
            }
        }

        if (complete)
        {
            Complete();
        }
    }

    private void Finish(string socketId, AckStatus status, JToken? value)
    {
        lock (_sync)
        {
            if (!_pending.Remove(socketId))
            {
                return;
            }

            _writing++;
        }

        _responses.Writer.TryWrite(new AckResponse(socketId, status, value));
        Written(1);
    }

    private void TimeOut()
    {
        KeyValuePair<string, SocketIoSocket>[] silent;
        lock (_sync)
        {
            silent = _pending.ToArray();
            _pending.Clear();
            _writing += silent.Length;
        }

        foreach (var (id, socket) in silent)
        {
            socket.RemoveAck(_ackId);
            _responses.Writer.TryWrite(new AckResponse(id, AckStatus.TimedOut, null));
        }

        Written(silent.Length);
    }

    private void Written(int count)
    {
        bool complete;
        lock (_sync)
        {
            _writing -= count;
            complete = ShouldCompleteLocked();
        }

        if (complete)
        {
            Complete();
        }
    }

    /// <summary>True once, when nothing is pending or being written any more.</summary>
    private bool ShouldCompleteLocked()
    {
        if (_completed || !_started || _pending.Count > 0 || _writing > 0)
        {
            return false;
        }

        _completed = true;
        return true;
    }

    private void Complete()
    {
        _deadline?.Dispose();
        _responses.Writer.TryComplete();
    }
}
