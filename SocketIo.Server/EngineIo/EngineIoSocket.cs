using SocketIo.Server.EngineIo.Transports;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// One Engine.IO session (Node: engine.io <c>Socket</c>): the handshake, the write buffer, the server→client heartbeat,
/// the polling→WebSocket upgrade and the close rules. State changes happen under one lock; callbacks to the
/// <see cref="EngineIoHandler"/> happen outside it.
/// </summary>
public sealed partial class EngineIoSocket : IEngineTransportListener
{
    private readonly object _gate = new();
    private readonly EngineIoServer _server;
    private readonly EngineIoOptions _options;
    private readonly TimeProvider _time;

    // The open packet has gone to a transport; what waits for that (WhenOpenSent) until then.
    private bool _openSent;
    private Action? _afterOpenSent;

    // One timer for the heartbeat: it waits for the next ping, or, once a ping is out, for the pong (never both).
    private readonly ITimer _heartbeatTimer;
    private long _pingDue;
    private List<EnginePacket> _writeBuffer = new();
    private EngineTransport _transport;
    private EngineIoReadyState _state = EngineIoReadyState.Opening;
    private bool _pingTimeoutArmed;
    private long _pingTimeoutDeadline;
    private bool _hasRefreshedPingTimeout;
    private bool _closeAfterFlush;
    private bool _closeDiscard;
    private string? _closeReason;
    private string? _closeDescription;
    private int _closeNotified;
    private int _announced;
    private UpgradeAttempt? _upgrade;

    internal EngineIoSocket(string id, EngineIoServer server, EngineTransport transport, EngineIoRequest request)
    {
        Id = id;
        _server = server;
        _options = server.Options;
        _time = _options.TimeProvider;
        Request = request;
        _transport = transport;
        transport.Sid = id;
        Protocol = transport.Protocol;
        _heartbeatTimer = _time.CreateTimer(static s => ((EngineIoSocket)s!).OnHeartbeatTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        transport.Listener = this;
    }

    /// <summary>The session id (Node: <c>socket.id</c>), a 20-character base64id.</summary>
    public string Id { get; }

    /// <summary>The request that opened the session.</summary>
    public EngineIoRequest Request { get; }

    /// <summary>The current state.</summary>
    public EngineIoReadyState ReadyState
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    internal EngineTransport CurrentTransport => Volatile.Read(ref _transport);

    /// <summary>The name of the current transport (<c>polling</c> or <c>websocket</c>); the same as <see cref="Transport"/>.<see cref="EngineIoTransportInfo.Name"/>.</summary>
    public string TransportName => Volatile.Read(ref _transport).Name;

    /// <summary>
    /// The current transport, read-only (Node: <c>socket.transport</c>); after an upgrade, the WebSocket's. Read it
    /// again rather than keeping it: a view kept from before an upgrade still describes the polling transport.
    /// </summary>
    public EngineIoTransportInfo Transport => Volatile.Read(ref _transport).View;

    /// <summary>Whether the session moved to WebSocket through an upgrade.</summary>
    public bool Upgraded { get; private set; }

    /// <summary>
    /// Whether the current transport can send right now; Socket.IO drops volatile packets when it cannot
    /// (Node: <c>conn.transport.writable</c>).
    /// </summary>
    public bool IsWritable => Volatile.Read(ref _transport).Writable;

    /// <summary>The state an <see cref="EngineIoHandler{TState}"/> made for this session; only that handler reads and writes it.</summary>
    internal object? HandlerState { get; set; }

    /// <summary>The handler of the server that owns this session.</summary>
    internal EngineIoHandler Handler => _server.Handler;

    /// <summary>
    /// Queues a text message (Node: <c>socket.send(data, { compress }, callback)</c>). <paramref name="callback"/>
    /// runs once the message has been written to the transport, with that transport (Node runs it on the transport's
    /// <c>drain</c> after the flush that carried the message): for polling when the response that carries it has been
    /// written, for WebSocket when its frame has. It runs as the session's listeners do (synchronously, outside the
    /// session lock, in order with its events), and not once the session has closed: a message that had not been
    /// written when the session closed (or that was sent to a closing session) drops its callback, as Node does.
    /// Over WebSocket that includes the last messages before <see cref="Close"/>, whose transport closes at once.
    /// </summary>
    public void Send(string text, bool compress = true, Action<EngineIoTransportInfo>? callback = null) =>
        Write([EnginePacket.Message(text, compress)], isVolatile: false, callback);

    /// <summary>Queues a binary message (Node: <c>socket.send(Buffer, { compress }, callback)</c>); the callback as for a text message.</summary>
    public void Send(ReadOnlyMemory<byte> binary, bool compress = true, Action<EngineIoTransportInfo>? callback = null) =>
        Write([EnginePacket.Binary(binary, compress)], isVolatile: false, callback);

    /// <summary>The same as <see cref="Send(string, bool, Action{EngineIoTransportInfo})"/> (Node: <c>socket.write</c>, an alias of <c>send</c>).</summary>
    public void Write(string text, bool compress = true, Action<EngineIoTransportInfo>? callback = null) => Send(text, compress, callback);

    /// <summary>The same as <see cref="Send(ReadOnlyMemory{byte}, bool, Action{EngineIoTransportInfo})"/> (Node: <c>socket.write</c>, an alias of <c>send</c>).</summary>
    public void Write(ReadOnlyMemory<byte> binary, bool compress = true, Action<EngineIoTransportInfo>? callback = null) => Send(binary, compress, callback);

    /// <summary>
    /// Queues a pre-built packet. The same packet instance may be sent to many sessions: its encoded bytes are
    /// computed once. A packet that would pass <see cref="EngineIoOptions.MaxBufferedOutboundBytes"/> closes the
    /// session instead.
    /// </summary>
    internal void SendPacket(EnginePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        Write([packet], isVolatile: false);
    }

    /// <summary>
    /// Queues several packets so that they travel together (one polling response; consecutive frames). Packets that
    /// would pass <see cref="EngineIoOptions.MaxBufferedOutboundBytes"/> close the session instead.
    /// </summary>
    internal void SendPackets(IReadOnlyList<EnginePacket> packets)
    {
        ArgumentNullException.ThrowIfNull(packets);
        Write(packets, isVolatile: false);
    }

    /// <summary>
    /// Closes the session (Node: <c>socket.close(discard)</c>): buffered packets are sent first, then the transport
    /// closes and the session ends with <c>forced close</c>.
    /// </summary>
    public void Close(bool discard = false)
    {
        lock (_gate)
        {
            if (discard && _state is EngineIoReadyState.Open or EngineIoReadyState.Closing)
            {
                CloseTransportLocked(discard);
            }
            else if (_state == EngineIoReadyState.Open)
            {
                _state = EngineIoReadyState.Closing;
                if (_writeBuffer.Count > 0)
                {
                    _closeAfterFlush = true;
                    _closeDiscard = discard;
                    FlushLocked();
                }
                else
                {
                    CloseTransportLocked(discard);
                }
            }
        }

        NotifyIfClosed();
    }

    /// <summary>
    /// Runs <paramref name="queueWork"/> once the open packet has been handed to a transport (at once if it has been),
    /// so that what it queues goes out after the handshake's own response, never inside it: engine.io answers the
    /// handshake poll with the packets of <c>onOpen</c> alone. It runs under the session lock: it may only queue work.
    /// </summary>
    internal void WhenOpenSent(Action queueWork)
    {
        lock (_gate)
        {
            if (!_openSent)
            {
                _afterOpenSent = queueWork;
                return;
            }
        }

        queueWork();
    }

    internal void Open()
    {
        lock (_gate)
        {
            _state = EngineIoReadyState.Open;
            _writeBuffer.Add(EnginePacket.Text(EnginePacketType.Open, _server.OpenPacket.For(Id, _transport.Name)));
            if (_options.InitialPacket is { } initial)
            {
                // Right behind the open packet, in the same flush (engine.io socket.ts onOpen).
                _writeBuffer.Add(EnginePacket.Message(initial));
            }

            if (_options.InitialBinaryPacket is { } binary)
            {
                _writeBuffer.Add(EnginePacket.Binary(binary));
            }

            FlushLocked();
            if (Protocol == 3)
            {
                ArmV3PingTimeoutLocked();
            }
            else
            {
                SchedulePingLocked();
            }
        }
    }

    private void SchedulePingLocked()
    {
        _pingDue = _time.GetTimestamp() + ToTimestamp(_options.PingInterval);
        _heartbeatTimer.Change(_options.PingInterval, Timeout.InfiniteTimeSpan);
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>
    /// Closes the session with <c>ping timeout</c> when its heartbeat deadline has passed but the timer callback
    /// has not run yet; the server calls it when a request names this session. Node's event loop runs expired
    /// timers before the I/O of the same turn, so there a request that arrives after the deadline always finds the
    /// session gone (400 Session ID unknown); a .NET timer callback may still be queued on the thread pool.
    /// </summary>
    /// <returns>Whether the session was closed by this call.</returns>
    internal bool CloseIfHeartbeatExpired()
    {
        lock (_gate)
        {
            if (_state is not (EngineIoReadyState.Open or EngineIoReadyState.Closing))
            {
                return false;
            }

            // While no ping is out, its timeout would end pingTimeout after the ping was due (the interval
            // callback may be late too).
            var deadline = _pingTimeoutArmed ? _pingTimeoutDeadline : _pingDue + ToTimestamp(_options.PingTimeout);
            if (_time.GetTimestamp() < deadline)
            {
                return false;
            }

            OnCloseLocked(EngineIoCloseReasons.PingTimeout, null);
        }

        NotifyIfClosed();
        return true;
    }

    /// <summary>
    /// True when <paramref name="due"/> is still ahead: a callback queued before the timer was re-armed, or one that
    /// fired a little early by this clock. The timer is set again for what is left, which is what it already waits
    /// for in the first case.
    /// </summary>
    private bool NotYet(long due)
    {
        var left = due - _time.GetTimestamp();
        if (left <= 0)
        {
            return false;
        }

        _heartbeatTimer.Change(TimeSpan.FromSeconds((double)left / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
        return true;
    }

    private void OnHeartbeatTimer()
    {
        bool awaitingPong;
        lock (_gate)
        {
            awaitingPong = _pingTimeoutArmed;
        }

        // Each handler checks its own deadline again under the lock: a callback already queued when the timer was
        // re-armed for the other phase is ignored there.
        if (awaitingPong)
        {
            OnPingTimeoutElapsed();
        }
        else
        {
            OnPingIntervalElapsed();
        }
    }

    private void FlushLocked()
    {
        if (_state == EngineIoReadyState.Closed || _writeBuffer.Count == 0)
        {
            return;
        }

        if (!_transport.Writable)
        {
            return;
        }

        // Hand the buffer over before sending: a transport may finish the send inline and call back for more (and
        // report the batch written, which clears the in-flight count: so it is moved first).
        var batch = _writeBuffer;
        var batchBytes = _queuedBytes;
        var callbacks = _packetCallbacks;
        _writeBuffer = new List<EnginePacket>();
        _queuedBytes = 0;
        _packetCallbacks = null;
        _inFlightBytes += batchBytes;
        // Flush and drain are recorded before the transport takes the batch (and withdrawn if it does not): a
        // transport that writes inline reports the batch written, and may take the next one, from inside TrySend,
        // and those events must come after these (Node: "flush", transport.send, "drain", later the callbacks).
        var recorded = (RecordLocked(SessionEventKind.Flush, batch) ? 1 : 0) + (RecordLocked(SessionEventKind.Drain) ? 1 : 0);
        if (!_transport.TrySend(batch, callbacks is null ? null : new SentCallbacks(this, _transport, callbacks).Written))
        {
            // Lost a race with the transport (a poll that just ended): keep the packets, in order.
            if (recorded > 0)
            {
                _events!.Pending.RemoveRange(_events.Pending.Count - recorded, recorded);
            }

            batch.AddRange(_writeBuffer);
            _writeBuffer = batch;
            _packetCallbacks = callbacks;
            _inFlightBytes -= batchBytes;
            _queuedBytes += batchBytes;
            return;
        }

        if (!_openSent)
        {
            _openSent = true;
            var afterOpenSent = _afterOpenSent;
            _afterOpenSent = null;
            afterOpenSent?.Invoke();
        }

        if (_closeAfterFlush)
        {
            _closeAfterFlush = false;
            CloseTransportLocked(_closeDiscard);
        }
    }

    private void CloseTransportLocked(bool discard)
    {
        if (discard)
        {
            _transport.Discard();
        }

        // The transport may finish closing later, from its close timer or the next GET: take the lock then too.
        _transport.Close(() =>
        {
            lock (_gate)
            {
                OnCloseLocked(EngineIoCloseReasons.ForcedClose, null);
            }

            NotifyIfClosed();
        });
    }

    private void OnPingIntervalElapsed()
    {
        lock (_gate)
        {
            if ((_state != EngineIoReadyState.Open && _state != EngineIoReadyState.Closing) || _pingTimeoutArmed)
            {
                return;
            }

            if (NotYet(_pingDue))
            {
                return;
            }

            // The timeout runs from when the ping was due, not from when this callback got to run: otherwise the
            // lateness of both timers adds up and the session outlives pingInterval + pingTimeout (Node closes it
            // then, engine.io socket.ts schedulePing/resetPingTimeout). It starts when the ping is queued, not when
            // a poll delivers it.
            var deadline = _pingDue + ToTimestamp(_options.PingTimeout);
            if (_time.GetTimestamp() >= deadline)
            {
                // This callback ran later than the whole timeout: the deadline has passed already.
                OnCloseLocked(EngineIoCloseReasons.PingTimeout, null);
            }
            else
            {
                _hasRefreshedPingTimeout = false;
                RecordLocked(SessionEventKind.PacketCreate, EnginePacket.Ping);
                _writeBuffer.Add(EnginePacket.Ping);
                ArmPingTimeoutLocked(deadline);
                FlushLocked();
            }
        }

        NotifyIfClosed();
    }

    /// <summary>Waits for the pong until <paramref name="deadline"/> (a timestamp still ahead).</summary>
    private void ArmPingTimeoutLocked(long deadline)
    {
        _pingTimeoutArmed = true;
        _pingTimeoutDeadline = deadline;
        var left = Math.Max(deadline - _time.GetTimestamp(), 0);
        _heartbeatTimer.Change(TimeSpan.FromSeconds((double)left / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
    }

    private void OnPingTimeoutElapsed()
    {
        lock (_gate)
        {
            // A callback already queued when the timer was re-armed or cleared must not close the session.
            if (!_pingTimeoutArmed || NotYet(_pingTimeoutDeadline))
            {
                return;
            }

            OnCloseLocked(EngineIoCloseReasons.PingTimeout, null);
        }

        NotifyIfClosed();
    }

    void IEngineTransportListener.OnTransportPacket(EngineTransport transport, EnginePacket? packet)
    {
        EngineMessage? message = null;
        lock (_gate)
        {
            if (_upgrade is { } upgrade && upgrade.Transport == transport)
            {
                OnUpgradePacketLocked(upgrade, packet);
            }
            else if (transport == _transport && _state == EngineIoReadyState.Open)
            {
                message = OnPacketLocked(packet);
            }
        }

        NotifyIfClosed();
        if (message is { } m)
        {
            _server.Handler.OnMessage(this, m);
            // After the handler, as in Node, where Socket.IO's own "data" listener comes first.
            RaiseMessage(packet!);
        }
    }

    private EngineMessage? OnPacketLocked(EnginePacket? packet)
    {
        RecordLocked(SessionEventKind.Packet, packet);
        // engine.io 6.6.12: any packet other than a pong, while a pong is awaited, extends the timeout once.
        if (Protocol != 3 && _pingTimeoutArmed && !_hasRefreshedPingTimeout && packet is not { Type: EnginePacketType.Pong })
        {
            _hasRefreshedPingTimeout = true;
            // From now, as engine.io socket.ts onPacket's resetPingTimeout.
            ArmPingTimeoutLocked(_time.GetTimestamp() + ToTimestamp(_options.PingTimeout));
        }

        switch (packet?.Type)
        {
            case null:
                OnCloseLocked(EngineIoCloseReasons.ParseError, null);
                return null;
            case EnginePacketType.Ping when Protocol == 3:
                OnV3PingLocked();
                return null;
            case EnginePacketType.Pong when Protocol == 3:
            case EnginePacketType.Ping:
                // v4 pings go server → client only, v3 pings client → server (engine.io socket.ts onPacket).
                OnCloseLocked(EngineIoCloseReasons.TransportError, "invalid heartbeat direction");
                return null;
            case EnginePacketType.Pong:
                _pingTimeoutArmed = false;
                SchedulePingLocked();
                RecordLocked(SessionEventKind.Heartbeat);
                return null;
            case EnginePacketType.Message:
                _server.Metrics.Received(packet.Data.Length);
                return new EngineMessage(packet.Data, packet.IsBinary);
            default:
                // open, close (over WebSocket), upgrade and noop from the client are ignored, as in the reference.
                return null;
        }
    }

    void IEngineTransportListener.OnTransportReady(EngineTransport transport)
    {
        lock (_gate)
        {
            if (transport == _transport)
            {
                // Ready again: the batch it had taken is written (a WebSocket) or was answered (polling: the client
                // polls again only after reading the previous response).
                _inFlightBytes = 0;
                FlushLocked();
            }
        }

        NotifyIfClosed();
    }

    void IEngineTransportListener.OnTransportError(EngineTransport transport, string message)
    {
        lock (_gate)
        {
            if (_upgrade is { } upgrade && upgrade.Transport == transport)
            {
                AbortUpgradeLocked();
            }
            else if (transport == _transport)
            {
                OnCloseLocked(EngineIoCloseReasons.TransportError, message);
            }
        }

        NotifyIfClosed();
    }

    void IEngineTransportListener.OnTransportClose(EngineTransport transport)
    {
        lock (_gate)
        {
            if (_upgrade is { } upgrade && upgrade.Transport == transport)
            {
                AbortUpgradeLocked();
            }
            else if (transport == _transport)
            {
                OnCloseLocked(EngineIoCloseReasons.TransportClose, null);
            }
        }

        NotifyIfClosed();
    }

    private void OnCloseLocked(string reason, string? description)
    {
        if (_state == EngineIoReadyState.Closed)
        {
            return;
        }

        _state = EngineIoReadyState.Closed;
        // The description first: NotifyIfClosed reads the reason without the lock, then the description.
        _closeDescription = description;
        Volatile.Write(ref _closeReason, reason);
        _pingTimeoutArmed = false;
        _heartbeatTimer.Dispose();
        _writeBuffer = new List<EnginePacket>();
        _packetCallbacks = null; // Node: packetsFn = [], sentCallbackFn = []; SentCallbacks checks the state
        _queuedBytes = 0;
        _inFlightBytes = 0;
        if (_upgrade is not null)
        {
            AbortUpgradeLocked();
        }

        // Make sure the transport does not stay open (engine.io socket.ts clearTransport).
        _transport.Close();
    }

    /// <summary>
    /// The handler has been told of the session (<see cref="EngineIoServer"/>'s Connect); a close that happened while it
    /// was being told is reported now.
    /// </summary>
    internal void Announce()
    {
        Interlocked.Exchange(ref _announced, 1);
        NotifyIfClosed();
    }

    /// <summary>
    /// Tells the server and the handler once, outside the lock, that the session has closed; not before the handler
    /// has been told of the connection (<see cref="Announce"/>).
    /// </summary>
    private void NotifyIfClosed()
    {
        // A transport may report its close synchronously from inside Close (polling does when a GET is pending),
        // which re-enters this method while the outer caller still holds the lock. Leave the notification to that
        // caller: every method that takes the lock calls NotifyIfClosed after releasing it.
        if (Monitor.IsEntered(_gate))
        {
            return;
        }

        DispatchEvents();

        // Not closed: nothing to tell (the common case, on every send and receive, without a fence).
        if (Volatile.Read(ref _closeReason) is not { } reason)
        {
            return;
        }

        // A full fence before reading the flag: Announce writes the flag then reads the reason, a close writes the
        // reason then reads the flag; one of the two sees the other's write.
        if (Interlocked.CompareExchange(ref _announced, 0, 0) == 0 || Interlocked.Exchange(ref _closeNotified, 1) != 0)
        {
            return;
        }

        _server.OnSocketClosed(this, reason, _closeDescription);
        RaiseClosed(reason, _closeDescription);
    }
}
