using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>The rest of Node's EventEmitter surface on a socket: one-shot handlers, listing and removing listeners.</summary>
public sealed partial class SocketIoSocket
{
    /// <summary>
    /// Adds a handler that runs for the next <paramref name="eventName"/> only: it is removed before it is called
    /// (Node: <c>socket.once(name, handler)</c>). <see cref="Off"/> with the same delegate removes it before it fires.
    /// </summary>
    public SocketIoSocket Once(string eventName, Func<SocketIoEvent, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        var once = new OnceListener<SocketIoEvent>(handler, registered => _handlers.Remove(eventName, registered));
        _handlers.Add(eventName, once.Handler);
        return this;
    }

    /// <summary>The handlers of an event, in the order they run (Node: <c>socket.listeners(name)</c>).</summary>
    public IReadOnlyList<Func<SocketIoEvent, ValueTask>> Listeners(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        return _handlers.Listeners(eventName);
    }

    /// <summary>The catch-all listeners, in order (Node: <c>socket.listenersAny()</c>).</summary>
    public IReadOnlyList<Func<SocketIoEvent, ValueTask>> ListenersAny() => _anyListeners?.Listeners ?? [];

    /// <summary>The outgoing catch-all listeners, in order (Node: <c>socket.listenersAnyOutgoing()</c>).</summary>
    public IReadOnlyList<Func<string, JArray, ValueTask>> ListenersAnyOutgoing() => _anyOutgoingListeners?.Listeners ?? [];

    /// <summary>
    /// Removes every listener of <paramref name="eventName"/>, or every listener of the socket when it is null (Node:
    /// <c>socket.removeAllListeners([name])</c>). <c>"disconnecting"</c>, <c>"disconnect"</c> and <c>"error"</c> name
    /// the <see cref="OnDisconnecting(Func{DisconnectReason, ValueTask})"/>, <see cref="OnDisconnect(Func{DisconnectReason, ValueTask})"/>
    /// and <see cref="OnError"/> handlers, as they are events in Node. Catch-all listeners and middlewares stay,
    /// as in Node (they are not EventEmitter listeners).
    /// </summary>
    public SocketIoSocket RemoveAllListeners(string? eventName = null)
    {
        switch (eventName)
        {
            case null:
                _handlers.Clear();
                _disconnecting?.Remove(null);
                _disconnect?.Remove(null);
                _errorHandlers?.Remove(null);
                break;
            case "disconnecting":
                _disconnecting?.Remove(null);
                break;
            case "disconnect":
                _disconnect?.Remove(null);
                break;
            case "error":
                _errorHandlers?.Remove(null);
                break;
            default:
                _handlers.Remove(eventName, null);
                break;
        }

        return this;
    }
}
