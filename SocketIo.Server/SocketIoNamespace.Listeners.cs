namespace SocketIo.Server;

/// <summary>
/// The rest of Node's EventEmitter surface for a namespace's own events (<c>connection</c> and server-side events):
/// one-shot connection handlers, listing and removing them.
/// </summary>
public sealed partial class SocketIoNamespace
{
    /// <summary>Adds a connection handler for the next connection only (Node: <c>nsp.once("connection")</c>).</summary>
    public SocketIoNamespace OnceConnection(Func<SocketIoSocket, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var once = new OnceConnectionListener(handler, _connectionHandlers.Remove);
        _connectionHandlers.Add(once.Handler);
        return this;
    }

    /// <summary>
    /// Removes a connection handler (one added with <see cref="OnceConnection"/> too), or all of them when
    /// <paramref name="handler"/> is null (Node: <c>nsp.off("connection", fn)</c>, <c>nsp.removeAllListeners("connection")</c>).
    /// </summary>
    public SocketIoNamespace OffConnection(Func<SocketIoSocket, CancellationToken, ValueTask>? handler = null)
    {
        _connectionHandlers.Remove(handler);
        return this;
    }

    /// <summary>The connection handlers, in the order they run (Node: <c>nsp.listeners("connection")</c>).</summary>
    public IReadOnlyList<Func<SocketIoSocket, CancellationToken, ValueTask>> ConnectionListeners => _connectionHandlers.Listeners;

    /// <summary>
    /// Removes a server-side event handler, or every handler of the event when <paramref name="handler"/> is null
    /// (Node: <c>nsp.off(name, fn)</c>).
    /// </summary>
    public SocketIoNamespace OffServerSideEmit(string eventName, Func<ServerSideEvent, ValueTask>? handler = null)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        if (_serverSideHandlers.TryGetValue(eventName, out var handlers))
        {
            handlers.Remove(handler);
        }

        return this;
    }

    /// <summary>The handlers of a server-side event, in order (Node: <c>nsp.listeners(name)</c>).</summary>
    public IReadOnlyList<Func<ServerSideEvent, ValueTask>> ServerSideEmitListeners(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        return _serverSideHandlers.TryGetValue(eventName, out var handlers) ? handlers.Listeners : Array.Empty<Func<ServerSideEvent, ValueTask>>();
    }
}
