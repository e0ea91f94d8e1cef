namespace SocketIo.Server.EngineIo;

/// <summary>
/// The server's <c>flush</c> and <c>drain</c> events: engine.io's socket.ts <c>flush()</c> emits them on the server
/// too (<c>server.emit("flush", socket, writeBuffer)</c>, <c>server.emit("drain", socket)</c>), for every session.
/// </summary>
public sealed partial class EngineIoServer
{
    // Copy-on-write under _listenersSync, as the headers listeners: every flush reads them without a lock.
    private Action<EngineIoSocket, IReadOnlyList<EngineIoPacketInfo>>[] _flushListeners = [];
    private Action<EngineIoSocket>[] _drainListeners = [];

    /// <summary>
    /// Listens to every session's flushes (Node: <c>io.engine.on("flush", (socket, buffer) => …)</c>): a session's
    /// write buffer is being handed to its transport, with its packets in order. Runs as the session's own
    /// <see cref="EngineIoSocket.OnFlush"/> listeners do, after them; a packet's <see cref="EngineIoPacketInfo.Data"/>
    /// is valid only during the call. While any is registered, every session records its flushes for it.
    /// </summary>
    public EngineIoServer OnFlush(Action<EngineIoSocket, IReadOnlyList<EngineIoPacketInfo>> listener) =>
        AddSessionListener(ref _flushListeners, listener);

    /// <summary>
    /// Listens to every session's drains (Node: <c>io.engine.on("drain", socket => …)</c>): a session's write buffer
    /// was handed to its transport. Runs after the session's own <see cref="EngineIoSocket.OnDrain"/> listeners.
    /// </summary>
    public EngineIoServer OnDrain(Action<EngineIoSocket> listener) => AddSessionListener(ref _drainListeners, listener);

    /// <summary>
    /// The transports a session on <paramref name="transport"/> may upgrade to (Node: <c>server.upgrades(transport)</c>):
    /// <c>websocket</c> for <c>polling</c>, none for <c>websocket</c>, none at all without
    /// <see cref="EngineIoOptions.AllowUpgrades"/>. As in Node, <see cref="EngineIoOptions.Transports"/> is not consulted
    /// (the open packet's <c>upgrades</c> keep only the allowed ones); Node's list for polling also names
    /// <c>webtransport</c>, which this server does not have.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="transport"/> is not <c>polling</c> or <c>websocket</c> (Node throws a TypeError for a name it does not know).</exception>
    public IReadOnlyList<string> Upgrades(string transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        if (transport is not (EngineIoOptions.Polling or EngineIoOptions.WebSocket))
        {
            throw new ArgumentException($"Unknown transport '{transport}'.", nameof(transport));
        }

        return Options.AllowUpgrades && transport == EngineIoOptions.Polling ? [EngineIoOptions.WebSocket] : [];
    }

    /// <summary>Whether a server listener waits for sessions' flushes (<paramref name="flush"/>) or drains.</summary>
    internal bool WantsSessionEvent(bool flush) =>
        (flush ? Volatile.Read(ref _flushListeners).Length : Volatile.Read(ref _drainListeners).Length) > 0;

    internal void RaiseFlush(EngineIoSocket socket, IReadOnlyList<EngineIoPacketInfo> packets)
    {
        foreach (var listener in Volatile.Read(ref _flushListeners))
        {
            try
            {
                listener(socket, packets);
            }
            catch (Exception ex)
            {
                OnListenerFailed(ex);
            }
        }
    }

    internal void RaiseDrain(EngineIoSocket socket)
    {
        foreach (var listener in Volatile.Read(ref _drainListeners))
        {
            try
            {
                listener(socket);
            }
            catch (Exception ex)
            {
                OnListenerFailed(ex);
            }
        }
    }

    private EngineIoServer AddSessionListener<T>(ref T[] listeners, T listener)
        where T : Delegate
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_listenersSync)
        {
            Volatile.Write(ref listeners, [.. listeners, listener]);
        }

        return this;
    }
}
