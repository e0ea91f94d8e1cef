namespace SocketIo.Server.EngineIo;

/// <summary>
/// The session's events (Node: <c>socket.conn.on("upgrading" | "upgrade" | "packet" | "packetCreate" | "message" |
/// "data" | "heartbeat" | "flush" | "drain" | "close", …)</c>), and the send callbacks. Listeners are synchronous, as
/// Node's: they run in order, one at a time, once the session lock is released (on the thread that made the event,
/// unless another is running the session's listeners: then that one), so a packet's listeners run before its message
/// reaches the handler except under such contention; a packet's <see cref="EngineIoPacketInfo.Data"/> is valid only
/// during the call. A session nobody listens to records nothing.
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

    /// <summary>
    /// A message arrived from the client (Node: <c>message</c>), text or binary; after the session's
    /// <see cref="EngineIoHandler.OnMessage"/> has had it, as in Node, where Socket.IO's own listener comes first.
    /// <see cref="EngineMessage.Data"/> is valid only during the call: copy what you keep.
    /// </summary>
    public EngineIoSocket OnMessage(Action<EngineMessage> listener) => Listen(listener, static (e, l) => e.Message = [.. e.Message, l]);

    /// <summary>
    /// The same as <see cref="OnMessage"/> (Node: <c>data</c>, emitted just before <c>message</c>): these listeners
    /// run before the <see cref="OnMessage"/> ones.
    /// </summary>
    public EngineIoSocket OnData(Action<EngineMessage> listener) => Listen(listener, static (e, l) => e.Data = [.. e.Data, l]);

    /// <summary>The client answered a ping (Node: <c>heartbeat</c>).</summary>
    public EngineIoSocket OnHeartbeat(Action listener) => Listen(listener, static (e, l) => e.Heartbeat = [.. e.Heartbeat, l]);

    /// <summary>
    /// The write buffer is being handed to the transport (Node: <c>flush</c>, with the write buffer): receives its
    /// packets, in order (messages, pings, the open packet). Told before the <see cref="OnDrain"/> of the same flush;
    /// a packet's <see cref="EngineIoPacketInfo.Data"/> is valid only during the call. The server's
    /// <see cref="EngineIoServer.OnFlush"/> listeners run after these.
    /// </summary>
    public EngineIoSocket OnFlush(Action<IReadOnlyList<EngineIoPacketInfo>> listener) => Listen(listener, static (e, l) => e.Flush = [.. e.Flush, l]);

    /// <summary>
    /// The write buffer was handed to the transport (Node: <c>drain</c>); the server's <see cref="EngineIoServer.OnDrain"/>
    /// listeners run after these. It says the packets were taken, not written: see the callback of
    /// <see cref="Send(string, bool, Action{EngineIoTransportInfo})"/> for that.
    /// </summary>
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

    /// <summary>
    /// Records an event for dispatch once the lock is released (<see cref="DispatchEvents"/>), if anyone listens to it;
    /// returns whether it was recorded (last in <see cref="SessionEvents.Pending"/>). <paramref name="data"/> is what
    /// the kind carries: its packet, its transport's name, the flushed batch.
    /// </summary>
    private bool RecordLocked(SessionEventKind kind, object? data = null)
    {
        var events = _events;
        if (events is null || !events.Wants(kind))
        {
            // The server's flush and drain listeners hear every session: its first flush makes its event list.
            if (kind is not (SessionEventKind.Flush or SessionEventKind.Drain) || !_server.WantsSessionEvent(kind == SessionEventKind.Flush))
            {
                return false;
            }

            events = _events ??= new SessionEvents();
        }

        events.Pending.Add(new PendingEvent(kind, data));
        return true;
    }

    /// <summary>Tells the message listeners of a message the handler has had (no lock taken when there are none).</summary>
    private void RaiseMessage(EnginePacket packet)
    {
        if (_events is not { } events || events.Message.Length + events.Data.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            events.Pending.Add(new PendingEvent(SessionEventKind.Message, packet));
        }

        DispatchEvents();
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
                Each(events.Upgrading, l => l((string)e.Data!));
                break;
            case SessionEventKind.Upgrade:
                Each(events.Upgrade, l => l((string)e.Data!));
                break;
            case SessionEventKind.Packet:
                Each(events.Packet, l => l(EngineIoPacketInfo.From((EnginePacket?)e.Data)));
                break;
            case SessionEventKind.PacketCreate:
                Each(events.PacketCreate, l => l(EngineIoPacketInfo.From((EnginePacket?)e.Data)));
                break;
            case SessionEventKind.Message:
                var packet = (EnginePacket)e.Data!;
                var message = new EngineMessage(packet.Data, packet.IsBinary);
                Each(events.Data, l => l(message));
                Each(events.Message, l => l(message));
                break;
            case SessionEventKind.Heartbeat:
                Each(events.Heartbeat, l => l());
                break;
            case SessionEventKind.Flush:
                var batch = (List<EnginePacket>)e.Data!;
                var infos = new EngineIoPacketInfo[batch.Count];
                for (var i = 0; i < infos.Length; i++)
                {
                    infos[i] = EngineIoPacketInfo.From(batch[i]);
                }

                Each(events.Flush, l => l(infos));
                _server.RaiseFlush(this, infos);
                break;
            case SessionEventKind.Drain:
                Each(events.Drain, l => l());
                _server.RaiseDrain(this);
                break;
            case SessionEventKind.Sent:
                var sent = (SentCallbacks)e.Data!;
                Each(sent.Callbacks, l => l(sent.Transport.View));
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

    private void Each<T>(IReadOnlyList<T> listeners, Action<T> call)
    {
        for (var i = 0; i < listeners.Count; i++)
        {
            var listener = listeners[i];
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
        Flush,
        Message,
        Sent,
    }

    /// <summary>An event waiting for dispatch, with what its kind carries (see <see cref="RecordLocked"/>).</summary>
    private readonly record struct PendingEvent(SessionEventKind Kind, object? Data);

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
        public Action<IReadOnlyList<EngineIoPacketInfo>>[] Flush = [];
        public Action<EngineMessage>[] Message = [];
        public Action<EngineMessage>[] Data = [];
        public Action<string, string?>[] Close = [];

        /// <summary>Whether a listener of this session waits for the kind (messages and send callbacks are not recorded through it).</summary>
        public bool Wants(SessionEventKind kind) => kind switch
        {
            SessionEventKind.Upgrading => Upgrading.Length > 0,
            SessionEventKind.Upgrade => Upgrade.Length > 0,
            SessionEventKind.Packet => Packet.Length > 0,
            SessionEventKind.PacketCreate => PacketCreate.Length > 0,
            SessionEventKind.Heartbeat => Heartbeat.Length > 0,
            SessionEventKind.Flush => Flush.Length > 0,
            _ => Drain.Length > 0,
        };
    }
}
