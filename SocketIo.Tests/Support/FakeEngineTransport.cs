using System.Text;
using SocketIo.Server.EngineIo;
using SocketIo.Server.EngineIo.Transports;

namespace SocketIo.Tests.Support;

/// <summary>
/// A scripted <see cref="EngineTransport"/> for the session state machine: the test decides when it is writable,
/// feeds it client packets and sees every batch the session hands it.
/// </summary>
internal sealed class FakeEngineTransport : EngineTransport
{
    private readonly object _sync = new();
    private readonly List<EnginePacket[]> _batches = [];
    private bool _writable;
    private Action? _pendingClosed;
    private int _closeCalls;

    /// <param name="name">The transport name the session reports.</param>
    /// <param name="writable">Whether sends go out at once.</param>
    /// <param name="oneShot">Like polling: one batch per "request", then not writable until the next <see cref="BecomeReady"/>.</param>
    public FakeEngineTransport(string name = EngineIoOptions.Polling, bool writable = true, bool oneShot = false)
    {
        Name = name;
        _writable = writable;
        OneShot = oneShot;
    }

    public override string Name { get; }

    public bool OneShot { get; }

    /// <summary>When false, <see cref="EngineTransport.Close"/> waits for <see cref="CompleteClose"/> (a close handshake in flight).</summary>
    public bool CloseCompletesImmediately { get; set; } = true;

    public override bool Writable
    {
        get
        {
            lock (_sync)
            {
                return _writable;
            }
        }
    }

    public int CloseCalls => Volatile.Read(ref _closeCalls);

    public IReadOnlyList<EnginePacket[]> Batches
    {
        get
        {
            lock (_sync)
            {
                return [.. _batches];
            }
        }
    }

    /// <summary>Every packet sent so far, as wire text (<c>4hello</c>, <c>2</c>, <c>b&lt;base64&gt;</c> for binary).</summary>
    public IReadOnlyList<string> Sent => Batches.SelectMany(b => b).Select(Describe).ToList();

    public static string Describe(EnginePacket packet) =>
        packet.IsBinary ? "b" + Convert.ToBase64String(packet.Data.Span) : packet.ToString();

    /// <summary>When true, a batch is reported written from inside <see cref="TrySend(IReadOnlyList{EnginePacket}, Action)"/> (a WebSocket whose send completes at once).</summary>
    public bool WritesInline { get; set; }

    /// <summary>How many taken batches carried a "written" notification that has not been given yet (<see cref="CompleteWrites"/>).</summary>
    public int PendingWrites
    {
        get
        {
            lock (_sync)
            {
                return _pendingWrites.Count;
            }
        }
    }

    private readonly Queue<Action> _pendingWrites = new();

    public override bool TrySend(IReadOnlyList<EnginePacket> packets, Action? written)
    {
        lock (_sync)
        {
            if (!_writable)
            {
                return false;
            }

            _batches.Add([.. packets]);
            if (OneShot)
            {
                _writable = false;
            }

            if (written is not null && !WritesInline)
            {
                _pendingWrites.Enqueue(written);
                written = null;
            }
        }

        written?.Invoke();
        return true;
    }

    /// <summary>Reports every taken batch written, oldest first (a poll's response ended, a WebSocket's frames went out).</summary>
    public void CompleteWrites()
    {
        while (CompleteOldestWrite())
        {
        }
    }

    /// <summary>Reports the oldest taken batch that waits for it written; false when none waits.</summary>
    public bool CompleteOldestWrite()
    {
        Action? written;
        lock (_sync)
        {
            if (!_pendingWrites.TryDequeue(out written))
            {
                return false;
            }
        }

        written();
        return true;
    }

    public void SetWritable(bool writable)
    {
        lock (_sync)
        {
            _writable = writable;
        }
    }

    /// <summary>Becomes writable and tells the session (a poll arrived / a write finished).</summary>
    public void BecomeReady()
    {
        SetWritable(true);
        RaiseReady();
    }

    /// <summary>Delivers a client packet as the transport would after decoding it.</summary>
    public void Receive(EnginePacket? packet) => RaisePacket(packet);

    /// <summary>Delivers a client text frame, decoded by the real codec (a bad frame becomes a parse error).</summary>
    public void ReceiveText(string frame) =>
        RaisePacket(EnginePacketCodec.TryDecodeText(Encoding.UTF8.GetBytes(frame), out var packet) ? packet : null);

    public void Fail(string message) => RaiseError(message);

    /// <summary>The client went away.</summary>
    public void ClientClosed() => RaiseClose();

    /// <summary>Finishes a close started while <see cref="CloseCompletesImmediately"/> was false.</summary>
    public void CompleteClose()
    {
        Action? closed;
        lock (_sync)
        {
            closed = _pendingClosed;
            _pendingClosed = null;
        }

        closed?.Invoke();
        RaiseClose();
    }

    protected override void DoClose(Action onClosed)
    {
        Interlocked.Increment(ref _closeCalls);
        if (CloseCompletesImmediately)
        {
            // Like polling with a GET pending: the close is done at once, and reported synchronously.
            onClosed();
            RaiseClose();
            return;
        }

        lock (_sync)
        {
            _pendingClosed = onClosed;
        }
    }
}
