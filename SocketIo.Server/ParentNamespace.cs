using System.Collections.Concurrent;
using SocketIo.Server.Adapters;

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

    /// <summary>
    /// Removes a connection handler from this pattern and from every child, or all of them when null (Node:
    /// <c>parentNsp.off("connection", fn)</c>; its children got the parent's listeners at their creation).
    /// </summary>
    public ParentNamespace OffConnection(Func<SocketIoSocket, CancellationToken, ValueTask>? handler = null)
    {
        ConnectionHandlers.Remove(handler);
        foreach (var child in _children.Values)
        {
            child.OffConnection(handler);
        }

        return this;
    }

    /// <summary>The connection handlers every new child gets (Node: <c>parentNsp.listeners("connection")</c>).</summary>
    public IReadOnlyList<Func<SocketIoSocket, CancellationToken, ValueTask>> ConnectionListeners => ConnectionHandlers.Listeners;

    /// <summary>Targets rooms in every child (Node: <c>parentNsp.to(room)</c>).</summary>
    public ParentBroadcastOperator To(params string[] rooms) => NewOperator().To(rooms);

    /// <summary>Same as <see cref="To"/> (Node: <c>parentNsp.in(room)</c>).</summary>
    public ParentBroadcastOperator In(params string[] rooms) => NewOperator().To(rooms);

    /// <summary>Excludes rooms in every child (Node: <c>parentNsp.except(room)</c>).</summary>
    public ParentBroadcastOperator Except(params string[] rooms) => NewOperator().Except(rooms);

    /// <summary>A volatile broadcast to every child (Node: <c>parentNsp.volatile</c>).</summary>
    public ParentBroadcastOperator Volatile => NewOperator().Volatile;

    /// <summary>A broadcast to this node's clients of every child (Node: <c>parentNsp.local</c>).</summary>
    public ParentBroadcastOperator Local => NewOperator().Local;

    /// <summary>Sets whether packets may be compressed (Node: <c>parentNsp.compress(bool)</c>).</summary>
    public ParentBroadcastOperator Compress(bool compress) => NewOperator().Compress(compress);

    /// <summary>An ack timeout for a broadcast to every child (Node: <c>parentNsp.timeout(ms)</c>).</summary>
    public ParentBroadcastOperator Timeout(TimeSpan timeout) => NewOperator().Timeout(timeout);

    /// <summary>Emits to every socket of every child namespace (Node: <c>parentNsp.emit</c>).</summary>
    public ValueTask EmitAsync(string eventName, params object?[] args) => NewOperator().EmitAsync(eventName, args);

    private ParentBroadcastOperator NewOperator() => new(this, null, null, BroadcastFlags.None);

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
