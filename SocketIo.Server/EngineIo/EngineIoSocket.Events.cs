namespace SocketIo.Server.EngineIo;

/// <summary>
/// The session's events (Node: <c>socket.conn.on("upgrading" | "upgrade" | "packet" | "packetCreate" | "heartbeat" |
/// "drain" | "close", …)</c>). Listeners are synchronous, as Node's: they run in order, one at a time, once the session
/// lock is released (on the thread that made the event, unless another is running the session's listeners: then that
/// one), so a packet's listeners run before its message reaches the handler except under such contention; a packet's
/// <see cref="EngineIoPacketInfo.Data"/> is valid only during the call. A session nobody listens to records nothing.
/// </summary>
public sealed partial class EngineIoSocket
{
    // Created by the first listener; read without the lock on every dispatch (a null check when nobody listens).
    private SessionEvents? _events;

    /// <summary>A probe succeeded on a new transport (Node: <c>upgrading</c>); receives its name.</summary>
    public EngineIoSocket OnUpgrading(Action<string> listener) => Listen(listener, static (e, l) => e.Upgrading = [.. e.Upgrading, l]);

    /// <summary>The session moved to a new transport (Node: <c>upgrade</c>); receives its name.</summary>
    public EngineIoSocket OnUpgrade(Action<string> listener) => Listen(listener, static (e, l) => e.Upgrade = [.. e.Upgrade, l]);

    /// <summary>A packet arrived from the client on the session's transport (Node: <c>packet</c>).</summary>
    public EngineIoSocket OnPacket(Action<EngineIoPacketInfo> listener) => Listen(listener, static (e, l) => e.Packet = [.. e.Packet, l]);

    /// <summary>A packet for the client was queued: a message or a ping (Node: <c>packetCreate</c>).</summary>
    public EngineIoSocket OnPacketCreate(Action<EngineIoPacketInfo> listener) => Listen(listener, static (e, l) => e.PacketCreate = [.. e.PacketCreate, l]);

    /// <summary>The client answered a ping (Node: <c>heartbeat</c>).</summary>
    public EngineIoSocket OnHeartbeat(Action listener) => Listen(listener, static (e, l) => e.Heartbeat = [.. e.Heartbeat, l]);

    /// <summary>The write buffer was handed to the transport (Node: <c>drain</c>).</summary>
    public EngineIoSocket OnDrain(Action listener) => Listen(listener, static (e, l) => e.Drain = [.. e.Drain, l]);

    /// <summary>
    /// The session closed (Node: <c>close</c>), with Node's reason (<see cref="EngineIoCloseReasons"/>) and description;
    /// after the handler has been told. A listener added to a closed session is not called.
    /// </summary>
    public EngineIoSocket OnClose(Action<string, string?> listener) => Listen(listener, static (e, l) => e.Close = [.. e.Close, l]);

    private EngineIoSocket Listen<T>(T listener, Action<SessionEvents, T> add)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            var events = _events ??= new SessionEvents();
            add(events, listener);
        }

        return this;
    }

    /// <summary>Records an event for dispatch once the lock is released (<see cref="DispatchEvents"/>).</summary>
    private void RecordLocked(SessionEventKind kind, EnginePacket? packet = null, string? transport = null)
    {
        if (_events is { } events && events.Wants(kind))
        {
            events.Pending.Add(new PendingEvent(kind, packet, transport));
        }
    }

    /// <summary>Runs the listeners of the events recorded so far, in order; called with the session lock released.</summary>
    private void DispatchEvents()
    {
        if (_events is not { } events)
        {
            return;
        }

        // One dispatcher at a time keeps the order across threads. A thread that finds another dispatching leaves its
        // events to it instead of waiting (a listener of that one may wait for something this thread holds); the
        // dispatcher looks again after letting go, so no event is left behind.
        while (Monitor.TryEnter(events.DispatchGate))
        {
            try
            {
                while (TakePending(events) is { } batch)
                {
                    foreach (var e in batch)
                    {
                        Dispatch(events, e);
                    }
                }
            }
            finally
            {
                Monitor.Exit(events.DispatchGate);
            }

            lock (_gate)
            {
                if (events.Pending.Count == 0)
                {
                    return;
                }
            }
        }
    }

    private List<PendingEvent>? TakePending(SessionEvents events)
    {
        lock (_gate)
        {
            if (events.Pending.Count == 0)
            {
                return null;
            }

            var batch = events.Pending;
            events.Pending = [];
            return batch;
        }
    }

    private void Dispatch(SessionEvents events, PendingEvent e)
    {
        switch (e.Kind)
            {
            case SessionEventKind.Upgrading:
                Each(events.Upgrading, l => l(e.Transport!));
                break;
            case SessionEventKind.Upgrade:
                Each(events.Upgrade, l => l(e.Transport!));
                break;
            case SessionEventKind.Packet:
                Each(events.Packet, l => l(EngineIoPacketInfo.From(e.Packet)));
                break;
            case SessionEventKind.PacketCreate:
                Each(events.PacketCreate, l => l(EngineIoPacketInfo.From(e.Packet)));
                break;
            case SessionEventKind.Heartbeat:
                Each(events.Heartbeat, l => l());
                break;
            case SessionEventKind.Drain:
                Each(events.Drain, l => l());
                break;
        }
    }

    private void RaiseClosed(string reason, string? description)
    {
        if (_events is not { } events)
        {
            return;
        }

        DispatchEvents(); // what happened before the close is told first
        Each(Volatile.Read(ref events.Close), l => l(reason, description));
    }

    private void Each<T>(T[] listeners, Action<T> call)
    {
        foreach (var listener in listeners)
        {
            try
            {
                call(listener);
            }
            catch (Exception ex)
            {
                // Events come from timers and request handlers: a listener's failure must reach neither, nor the
                // listeners after it.
                _server.OnListenerFailed(ex);
            }
        }
    }

    private enum SessionEventKind : byte
    {
        Upgrading,
        Upgrade,
        Packet,
        PacketCreate,
        Heartbeat,
        Drain,
    }

    private readonly record struct PendingEvent(SessionEventKind Kind, EnginePacket? Packet, string? Transport);

    private sealed class SessionEvents
    {
        public readonly object DispatchGate = new();
        public List<PendingEvent> Pending = [];
        public Action<string>[] Upgrading = [];
        public Action<string>[] Upgrade = [];
        public Action<EngineIoPacketInfo>[] Packet = [];
        public Action<EngineIoPacketInfo>[] PacketCreate = [];
        public Action[] Heartbeat = [];
        public Action[] Drain = [];
        public Action<string, string?>[] Close = [];

        public bool Wants(SessionEventKind kind) => kind switch
        {
            SessionEventKind.Upgrading => Upgrading.Length > 0,
            SessionEventKind.Upgrade => Upgrade.Length > 0,
            SessionEventKind.Packet => Packet.Length > 0,
            SessionEventKind.PacketCreate => PacketCreate.Length > 0,
            SessionEventKind.Heartbeat => Heartbeat.Length > 0,
            _ => Drain.Length > 0,
        };
    }
}
