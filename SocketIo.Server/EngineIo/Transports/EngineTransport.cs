namespace SocketIo.Server.EngineIo.Transports;

/// <summary>
/// A way of moving Engine.IO packets (Node: engine.io <c>Transport</c>). The session talks only to this class,
/// which keeps the session state machine testable with a fake transport.
/// </summary>
/// <remarks>
/// Threading: a transport guards its own state with its own lock and never calls its listener while
/// holding it. The session may call <see cref="TrySend(IReadOnlyList{EnginePacket}, Action)"/> and <see cref="Close"/> while holding the session lock.
/// </remarks>
internal abstract class EngineTransport
{
    private int _closeState; // 0 open, 1 closing, 2 closed

    protected EngineTransport() => View = new EngineIoTransportInfo(this);

    /// <summary>What user code sees of this transport (Node: <c>socket.conn.transport</c>); one per transport.</summary>
    public EngineIoTransportInfo View { get; }

    /// <summary>The transport name on the wire (<c>polling</c> or <c>websocket</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Whether a send would go out now (Node: <c>transport.writable</c>).</summary>
    public abstract bool Writable { get; }

    /// <summary>The Engine.IO protocol revision the client speaks: 4, or 3 (socket.io 2.x, with <c>AllowEIO3</c>).</summary>
    public int Protocol { get; init; } = 4;

    /// <summary>
    /// Whether a v3 client takes binary as binary; false when it asked for base64 (<c>b64=1</c>; engine.io
    /// transport.ts <c>supportsBinary</c>). v4 ignores it.
    /// </summary>
    public bool SupportsBinary { get; init; } = true;

    /// <summary>Whether this transport was discarded by an upgrade (Node: <c>discarded</c>).</summary>
    public bool Discarded { get; private set; }

    /// <summary>Whether the transport finished closing.</summary>
    public bool IsClosed => Volatile.Read(ref _closeState) == 2;

    /// <summary>Whether close has started (or finished).</summary>
    public bool IsOpen => Volatile.Read(ref _closeState) == 0;

    /// <summary>Receives this transport's events; set by the session that owns (or probes) it.</summary>
    public IEngineTransportListener? Listener { get; set; }

    /// <summary>
    /// The id of the session that owns the transport (Node: <c>transport.sid</c>); set when the session takes it, or
    /// starts probing it for an upgrade.
    /// </summary>
    public string? Sid { get; set; }

    /// <summary>
    /// Sends packets if the transport is writable; returns false (sending nothing) when it is not,
    /// so that the caller keeps them buffered.
    /// </summary>
    public bool TrySend(IReadOnlyList<EnginePacket> packets) => TrySend(packets, null);

    /// <summary>
    /// Sends packets if the transport is writable, as <see cref="TrySend(IReadOnlyList{EnginePacket})"/>;
    /// <paramref name="written"/> runs once all of them have been written (Node: the transport's <c>drain</c>, which
    /// runs the send callbacks): polling when the response has been written, WebSocket when its last frame has. It
    /// is not run when the write fails. It may run inline, from inside this call.
    /// </summary>
    public abstract bool TrySend(IReadOnlyList<EnginePacket> packets, Action? written);

    /// <summary>Marks the transport as replaced by an upgrade, so that closing it does not wait for the client.</summary>
    public void Discard() => Discarded = true;

    /// <summary>Starts closing (Node: <c>transport.close(fn)</c>); <paramref name="onClosed"/> runs once the transport may be considered closed.</summary>
    public void Close(Action? onClosed = null)
    {
        if (Interlocked.CompareExchange(ref _closeState, 1, 0) != 0)
        {
            return;
        }

        DoClose(onClosed ?? (static () => { }));
    }

    /// <summary>The transport-specific part of <see cref="Close"/>.</summary>
    protected abstract void DoClose(Action onClosed);

    /// <summary>Marks the transport closed and tells the listener (Node: transport <c>close</c> event).</summary>
    protected void RaiseClose()
    {
        if (Interlocked.Exchange(ref _closeState, 2) == 2)
        {
            return;
        }

        Listener?.OnTransportClose(this);
    }

    /// <summary>Reports a decoded packet, or <c>null</c> for one that could not be decoded.</summary>
    protected void RaisePacket(EnginePacket? packet) => Listener?.OnTransportPacket(this, packet);

    /// <summary>Reports that the transport became writable (Node: <c>ready</c>/<c>drain</c>).</summary>
    protected void RaiseReady() => Listener?.OnTransportReady(this);

    /// <summary>Reports a transport failure (Node: transport <c>error</c>).</summary>
    protected void RaiseError(string message) => Listener?.OnTransportError(this, message);
}
