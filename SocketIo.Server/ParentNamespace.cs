using System.Collections.Concurrent;

namespace SocketIo.Server;

/// <summary>
/// A dynamic namespace pattern (Node: <c>ParentNamespace</c>, from <c>io.of(regex)</c> or <c>io.of(fn)</c>). Child
/// namespaces are created on the first matching CONNECT and inherit the middleware and connection handlers
/// registered here before their creation.
/// </summary>
public sealed class ParentNamespace
{
    private readonly SocketIoServer _server;
    private readonly ConcurrentDictionary<string, SocketIoNamespace> _children = new(StringComparer.Ordinal);

    internal ParentNamespace(SocketIoServer server, Func<string, SocketIoHandshakeRequest, ValueTask<bool>> matcher)
    {
        _server = server;
        Matcher = matcher;
    }

    internal Func<string, SocketIoHandshakeRequest, ValueTask<bool>> Matcher { get; }

    internal HandlerList<Func<SocketIoSocket, Func<ValueTask>, ValueTask>> Middlewares { get; } = new();

    internal HandlerList<Func<SocketIoSocket, CancellationToken, ValueTask>> ConnectionHandlers { get; } = new();

    /// <summary>The child namespaces created so far.</summary>
    public IReadOnlyCollection<SocketIoNamespace> Children => (IReadOnlyCollection<SocketIoNamespace>)_children.Values;

    /// <summary>Adds a connection middleware for every child (Node: <c>parentNsp.use</c>).</summary>
    public ParentNamespace Use(Func<SocketIoSocket, Func<ValueTask>, ValueTask> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        Middlewares.Add(middleware);
        foreach (var child in _children.Values)
        {
            child.Use(middleware);
        }

        return this;
    }

    /// <summary>Adds a connection handler for every child (Node: <c>parentNsp.on("connection")</c>).</summary>
    public ParentNamespace OnConnection(Func<SocketIoSocket, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ConnectionHandlers.Add(handler);
        foreach (var child in _children.Values)
        {
            child.OnConnection(handler);
        }

        return this;
    }

    /// <summary>Emits to every socket of every child namespace (Node: <c>parentNsp.emit</c>).</summary>
    public async ValueTask EmitAsync(string eventName, params object?[] args)
    {
        foreach (var child in _children.Values)
        {
            await child.EmitAsync(eventName, args).ConfigureAwait(false);
        }
    }

    internal SocketIoNamespace CreateChild(string name)
    {
        var child = _server.GetOrCreateNamespace(name, out _, c =>
        {
            c.Parent = this;
            c.CopyHandlersFrom(Middlewares, ConnectionHandlers);
        });
        _children[name] = child;
        return child;
    }

    internal void RemoveChild(SocketIoNamespace child) => _children.TryRemove(new KeyValuePair<string, SocketIoNamespace>(child.Name, child));
}
