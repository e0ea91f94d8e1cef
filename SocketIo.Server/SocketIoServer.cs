using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json.Linq;
using SocketIo.Server.EngineIo;

namespace SocketIo.Server;

/// <summary>
/// The Socket.IO server (Node: <c>io</c>, socket.io <c>Server</c>): namespaces over one Engine.IO server. Methods
/// that Node offers on <c>io</c> act on the main namespace <c>/</c>.
/// </summary>
public sealed partial class SocketIoServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SocketIoNamespace> _namespaces = new(StringComparer.Ordinal);
    private readonly EngineBridge _bridge;
    private readonly object _parentsSync = new();
    // Copy-on-write: the connect path reads it without taking the lock.
    private ParentEntry[] _parentEntries = [];
    private int _closed;

    /// <summary>Creates a server. Serve it with <c>app.MapSocketIo()</c> or <c>SocketIoHost.ListenAsync</c>.</summary>
    public SocketIoServer(SocketIoOptions? options = null, ILoggerFactory? loggerFactory = null, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        Options = options ?? new SocketIoOptions();
        Options.Validate();
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        Logger = factory.CreateLogger<SocketIoServer>();
        Metrics = new SocketIoMetrics(meterFactory);
        Json = JsonArgs.Create(Options.JsonSerializerSettings);
        Parser = Options.Parser;
        _bridge = new EngineBridge(this);
        Engine = new EngineIoServer(Options.Engine, _bridge, factory.CreateLogger<EngineIoServer>(), meterFactory);
        Sockets = GetOrCreateNamespace("/", out _);
    }

    /// <summary>The options in force.</summary>
    public SocketIoOptions Options { get; }

    /// <summary>The Engine.IO server underneath (Node: <c>io.engine</c>).</summary>
    public EngineIoServer Engine { get; }

    /// <summary>The main namespace <c>/</c> (Node: <c>io.sockets</c>).</summary>
    public SocketIoNamespace Sockets { get; }

    internal ILogger Logger { get; }

    internal SocketIoMetrics Metrics { get; }

    /// <summary>How arguments become JSON and back, from <see cref="SocketIoOptions.JsonSerializerSettings"/>.</summary>
    internal JsonArgs Json { get; }

    /// <summary>The packet format, from <see cref="SocketIoOptions.Parser"/> (read once: every connection uses the same).</summary>
    internal SocketIoParser Parser { get; }

    internal TimeProvider TimeProvider => Options.TimeProvider;

    /// <summary>Namespaces that exist now, by name (Node: <c>io._nsps</c>).</summary>
    public IReadOnlyDictionary<string, SocketIoNamespace> Namespaces => _namespaces;

    /// <summary>Gets or creates a namespace (Node: <c>io.of(name)</c>); a leading slash is added if missing.</summary>
    public SocketIoNamespace Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.StartsWith('/'))
        {
            name = "/" + name;
        }

        if (_namespaces.TryGetValue(name, out var existing))
        {
            return existing;
        }

        // A static name that matches a regex parent becomes that parent's child (index.ts of()).
        foreach (var parent in ParentsSnapshot())
        {
            if (parent.Regex is { } regex && regex.IsMatch(name))
            {
                return parent.Parent.CreateChild(name);
            }
        }

        return GetOrCreateNamespace(name, out _);
    }

    /// <summary>A dynamic namespace matched by a regular expression (Node: <c>io.of(/^\/dyn-\d+$/)</c>).</summary>
    public ParentNamespace Of(Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var parent = new ParentNamespace(this, (name, _) => ValueTask.FromResult(pattern.IsMatch(name)));
        AddParent(new ParentEntry(parent, pattern));
        return parent;
    }

    /// <summary>A dynamic namespace accepted by a predicate (Node: <c>io.of((name, auth, next) => next(null, ok))</c>).</summary>
    public ParentNamespace Of(Func<string, SocketIoHandshakeRequest, ValueTask<bool>> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var parent = new ParentNamespace(this, predicate);
        AddParent(new ParentEntry(parent, null));
        return parent;
    }

    private void AddParent(ParentEntry entry)
    {
        lock (_parentsSync)
        {
            System.Threading.Volatile.Write(ref _parentEntries, [.. _parentEntries, entry]);
        }
    }

    private ParentEntry[] ParentsSnapshot() => System.Threading.Volatile.Read(ref _parentEntries);

    internal SocketIoNamespace GetOrCreateNamespace(string name, out bool created, Action<SocketIoNamespace>? initialize = null)
    {
        if (_namespaces.TryGetValue(name, out var existing))
        {
            created = false;
            return existing;
        }

        var candidate = new SocketIoNamespace(this, name);
        initialize?.Invoke(candidate);
        var nsp = _namespaces.GetOrAdd(name, candidate);
        created = ReferenceEquals(nsp, candidate);
        if (created)
        {
            nsp.AdapterInitialized = InitAdapterAsync(nsp);
            if (name != "/")
            {
                RaiseNewNamespace(nsp);
            }
        }

        return nsp;
    }

    /// <summary>An empty child namespace leaves the server (cleanupEmptyChildNamespaces); only that instance, never a newer one.</summary>
    internal void RemoveNamespace(SocketIoNamespace nsp) => _namespaces.TryRemove(new KeyValuePair<string, SocketIoNamespace>(nsp.Name, nsp));

    private readonly HandlerList<Func<SocketIoNamespace, ValueTask>> _newNamespaceHandlers = new();

    /// <summary>
    /// Runs <paramref name="handler"/> for every namespace created from now on but <c>/</c>, static or dynamic child
    /// (Node: <c>io.on("new_namespace", nsp => …)</c>).
    /// </summary>
    public SocketIoServer OnNewNamespace(Func<SocketIoNamespace, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _newNamespaceHandlers.Add(handler);
        return this;
    }

    private void RaiseNewNamespace(SocketIoNamespace nsp)
    {
        foreach (var handler in _newNamespaceHandlers.Snapshot)
        {
            _ = RunNewNamespaceHandlerAsync(handler, nsp);
        }
    }

    private async Task RunNewNamespaceHandlerAsync(Func<SocketIoNamespace, ValueTask> handler, SocketIoNamespace nsp)
    {
        try
        {
            await handler(nsp).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(Logger, "new_namespace handler", nsp.Name, string.Empty, ex);
        }
    }

    /// <summary>
    /// Completes when the main namespace's adapter has started (a Redis adapter has subscribed), or failed to (logged):
    /// the host waits for it, so that a server that says it is up is already counted by the rest of the cluster.
    /// </summary>
    internal Task AdapterInitialized => Sockets.AdapterInitialized;

    private async Task InitAdapterAsync(SocketIoNamespace nsp)
    {
        try
        {
            await nsp.Adapter.InitAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(Logger, "adapter init", nsp.Name, string.Empty, ex);
        }
    }

    /// <summary>The namespace a CONNECT targets: an existing one, or a new child of a matching dynamic parent (Node: <c>_checkNamespace</c>).</summary>
    internal SocketIoNamespace? FindNamespace(string name) => _namespaces.TryGetValue(name, out var existing) ? existing : null;

    internal async ValueTask<SocketIoNamespace?> ResolveNamespaceAsync(string name, SocketIoHandshakeRequest request)
    {
        if (_namespaces.TryGetValue(name, out var existing))
        {
            return existing;
        }

        foreach (var entry in ParentsSnapshot())
        {
            bool allowed;
            try
            {
                allowed = await entry.Parent.Matcher(name, request).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(Logger, "dynamic namespace predicate", name, string.Empty, ex);
                allowed = false;
            }

            if (allowed)
            {
                return _namespaces.TryGetValue(name, out existing) ? existing : entry.Parent.CreateChild(name);
            }
        }

        return null;
    }

    /// <summary>Adds a connection middleware to <c>/</c> (Node: <c>io.use</c>).</summary>
    public SocketIoServer Use(Func<SocketIoSocket, Func<ValueTask>, ValueTask> middleware)
    {
        Sockets.Use(middleware);
        return this;
    }

    /// <summary>Adds a connection handler to <c>/</c> (Node: <c>io.on("connection")</c>).</summary>
    public SocketIoServer OnConnection(Func<SocketIoSocket, CancellationToken, ValueTask> handler)
    {
        Sockets.OnConnection(handler);
        return this;
    }

    /// <summary>Adds a connection handler to <c>/</c> for the next connection only (Node: <c>io.once("connection")</c>).</summary>
    public SocketIoServer OnceConnection(Func<SocketIoSocket, CancellationToken, ValueTask> handler)
    {
        Sockets.OnceConnection(handler);
        return this;
    }

    /// <summary>Removes a connection handler of <c>/</c>, or all of them when null (Node: <c>io.off("connection", fn)</c>).</summary>
    public SocketIoServer OffConnection(Func<SocketIoSocket, CancellationToken, ValueTask>? handler = null)
    {
        Sockets.OffConnection(handler);
        return this;
    }

    /// <summary>The connection handlers of <c>/</c> (Node: <c>io.listeners("connection")</c>).</summary>
    public IReadOnlyList<Func<SocketIoSocket, CancellationToken, ValueTask>> ConnectionListeners => Sockets.ConnectionListeners;

    /// <summary>Removes a server-side event handler of <c>/</c>, or all of the event's (Node: <c>io.off(name, fn)</c>).</summary>
    public SocketIoServer OffServerSideEmit(string eventName, Func<ServerSideEvent, ValueTask>? handler = null)
    {
        Sockets.OffServerSideEmit(eventName, handler);
        return this;
    }

    /// <summary>Listens to server-side events on <c>/</c> (Node: <c>io.on(name, …)</c> for serverSideEmit).</summary>
    public SocketIoServer OnServerSideEmit(string eventName, Func<ServerSideEvent, ValueTask> handler)
    {
        Sockets.OnServerSideEmit(eventName, handler);
        return this;
    }

    /// <summary>Node: <c>io.to(room)</c>.</summary>
    public BroadcastOperator To(params string[] rooms) => Sockets.To(rooms);

    /// <summary>A typed emitter of the broadcast contract <typeparamref name="T"/> to every client of the main namespace (see <see cref="BroadcastOperator.Emitter{T}"/>).</summary>
    public T Emitter<T>()
        where T : class => Sockets.Emitter<T>();

    /// <summary>Node: <c>io.in(room)</c>.</summary>
    public BroadcastOperator In(params string[] rooms) => Sockets.In(rooms);

    /// <summary>Node: <c>io.except(room)</c>.</summary>
    public BroadcastOperator Except(params string[] rooms) => Sockets.Except(rooms);

    /// <summary>Node: <c>io.volatile</c>.</summary>
    public BroadcastOperator Volatile => Sockets.Volatile;

    /// <summary>Node: <c>io.local</c>.</summary>
    public BroadcastOperator Local => Sockets.Local;

    /// <summary>Node: <c>io.compress(bool)</c>.</summary>
    public BroadcastOperator Compress(bool compress) => Sockets.Compress(compress);

    /// <summary>Node: <c>io.timeout(ms)</c>.</summary>
    public BroadcastOperator Timeout(TimeSpan timeout) => Sockets.Timeout(timeout);

    /// <summary>Node: <c>io.emit</c>.</summary>
    public ValueTask EmitAsync(string eventName, params object?[] args) => Sockets.EmitAsync(eventName, args);

    /// <summary>Node: <c>io.send</c>.</summary>
    public ValueTask SendAsync(params object?[] args) => Sockets.SendAsync(args);

    /// <summary>Node: <c>io.write</c>, an alias of <c>io.send</c>: a <c>message</c> event to every socket of <c>/</c>.</summary>
    public ValueTask WriteAsync(params object?[] args) => SendAsync(args);

    /// <summary>Node: <c>io.fetchSockets()</c>.</summary>
    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(CancellationToken cancellationToken = default) => Sockets.FetchSocketsAsync(cancellationToken);

    /// <summary>The ids of this server's sockets in <c>/</c> (Node's deprecated <c>io.allSockets()</c>).</summary>
    public Task<IReadOnlySet<string>> AllSocketsAsync(CancellationToken cancellationToken = default) => Sockets.AllSocketsAsync(cancellationToken);

    /// <summary>Node: <c>io.socketsJoin</c>.</summary>
    public ValueTask SocketsJoinAsync(params string[] rooms) => Sockets.SocketsJoinAsync(rooms);

    /// <summary>Node: <c>io.socketsLeave</c>.</summary>
    public ValueTask SocketsLeaveAsync(params string[] rooms) => Sockets.SocketsLeaveAsync(rooms);

    /// <summary>Node: <c>io.disconnectSockets(close)</c>.</summary>
    public ValueTask DisconnectSocketsAsync(bool close = false) => Sockets.DisconnectSocketsAsync(close);

    /// <summary>Node: <c>io.serverSideEmit</c>.</summary>
    public ValueTask ServerSideEmitAsync(string eventName, params object?[] args) => Sockets.ServerSideEmitAsync(eventName, args);

    /// <summary>Node: <c>io.serverSideEmitWithAck</c>.</summary>
    public Task<IReadOnlyList<JToken?>> ServerSideEmitWithAckAsync(string eventName, params object?[] args) => Sockets.ServerSideEmitWithAckAsync(eventName, args);

    /// <summary>
    /// Shuts down (Node: <c>io.close()</c>): new handshakes are refused (503), every socket leaves with "server
    /// shutting down", adapters close, then every Engine.IO session closes.
    /// </summary>
    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        // New clients are refused from the start, not only once the adapters (a Redis round trip) have closed.
        Engine.StopAccepting();
        foreach (var client in Engine.Clients)
        {
            ClientOf(client)?.OnServerShutdown();
        }

        foreach (var nsp in _namespaces.Values)
        {
            try
            {
                await nsp.Adapter.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(Logger, "adapter close", nsp.Name, string.Empty, ex);
            }
        }

        Engine.CloseAll();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => CloseAsync();

    /// <summary>The Socket.IO side of an Engine.IO session; null until the session has been handed over.</summary>
    internal ClientConnection? ClientOf(EngineIoSocket session) => _bridge.StateOf(session);

    private sealed record ParentEntry(ParentNamespace Parent, Regex? Regex);

    /// <summary>The Engine.IO seam: a session becomes a <see cref="ClientConnection"/>.</summary>
    private sealed class EngineBridge(SocketIoServer server) : EngineIoHandler<ClientConnection>
    {
        protected override ClientConnection CreateState(EngineIoSocket socket)
        {
            var client = new ClientConnection(server, socket);
            client.ConnectRootIfLegacy();
            return client;
        }

        protected override void OnMessage(EngineIoSocket socket, ClientConnection client, EngineMessage message) => client.OnMessage(message);

        protected override void OnClose(EngineIoSocket socket, ClientConnection client, string reason, string? description) =>
            client.OnClose(DisconnectReasons.FromWireString(reason), description);
    }
}
