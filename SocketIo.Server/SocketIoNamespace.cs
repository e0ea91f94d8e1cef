using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Server;

/// <summary>
/// A namespace (Node: socket.io <c>Namespace</c>): its sockets, connection middleware, connection handlers,
/// broadcast operators and adapter.
/// </summary>
public sealed partial class SocketIoNamespace
{
    private readonly ConcurrentDictionary<string, SocketIoSocket> _sockets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SocketIoSocket> _preConnect = new(StringComparer.Ordinal);
    private readonly HandlerList<Func<SocketIoSocket, Func<ValueTask>, ValueTask>> _middlewares = new();
    private readonly HandlerList<Func<SocketIoSocket, CancellationToken, ValueTask>> _connectionHandlers = new();
    private readonly ConcurrentDictionary<string, HandlerList<Func<ServerSideEvent, ValueTask>>> _serverSideHandlers = new(StringComparer.Ordinal);
    private long _ids;

    // Guards the retirement of an empty child namespace against a client joining it at that moment.
    private readonly object _membership = new();
    private int _joining;
    private bool _retired;

    internal SocketIoNamespace(SocketIoServer server, string name)
    {
        Server = server;
        Name = name;
        var port = new AdapterPort(this);
        Adapter = server.Options.AdapterFactory?.Invoke(port)
            ?? (server.Options.ConnectionStateRecovery is { } recovery
                ? new SessionAwareAdapter(port, recovery.MaxDisconnectionDuration, recovery.MaxStoredPackets)
                : new InMemoryAdapter(port));
    }

    /// <summary>The namespace name (Node: <c>nsp.name</c>).</summary>
    public string Name { get; }

    /// <summary>The server.</summary>
    public SocketIoServer Server { get; }

    /// <summary>The adapter's <c>InitAsync</c>, which never faults (a failure is logged).</summary>
    internal Task AdapterInitialized { get; set; } = Task.CompletedTask;

    /// <summary>The dynamic parent this namespace was created for, if any.</summary>
    internal ParentNamespace? Parent { get; set; }

    /// <summary>The adapter (Node: <c>nsp.adapter</c>).</summary>
    public SocketIoAdapter Adapter { get; }

    /// <summary>Connected local sockets by id (Node: <c>nsp.sockets</c>).</summary>
    public IReadOnlyDictionary<string, SocketIoSocket> Sockets => _sockets;

    /// <summary>
    /// Adds a connection middleware (Node: <c>nsp.use((socket, next) => …)</c>). Throw
    /// <see cref="ConnectionRejectedException"/> (or any exception) to refuse with CONNECT_ERROR.
    /// </summary>
    public SocketIoNamespace Use(Func<SocketIoSocket, Func<ValueTask>, ValueTask> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middlewares.Add(middleware);
        return this;
    }

    /// <summary>Adds a connection handler (Node: <c>nsp.on("connection", socket => …)</c>); the token fires on disconnect.</summary>
    public SocketIoNamespace OnConnection(Func<SocketIoSocket, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _connectionHandlers.Add(handler);
        return this;
    }

    /// <summary>Listens to an event that another server sent with <c>serverSideEmit</c> (Node: <c>nsp.on(name, …)</c>).</summary>
    public SocketIoNamespace OnServerSideEmit(string eventName, Func<ServerSideEvent, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        _serverSideHandlers.GetOrAdd(eventName, static _ => new()).Add(handler);
        return this;
    }

    /// <summary>A typed emitter of the broadcast contract <typeparamref name="T"/> to every client of the namespace (see <see cref="BroadcastOperator.Emitter{T}"/>).</summary>
    public T Emitter<T>()
        where T : class => NewOperator().Emitter<T>();

    /// <summary>Targets rooms (Node: <c>nsp.to(room)</c>).</summary>
    public BroadcastOperator To(params string[] rooms) => NewOperator().To(rooms);

    /// <summary>Same as <see cref="To"/> (Node: <c>nsp.in(room)</c>).</summary>
    public BroadcastOperator In(params string[] rooms) => NewOperator().To(rooms);

    /// <summary>Excludes rooms (Node: <c>nsp.except(room)</c>).</summary>
    public BroadcastOperator Except(params string[] rooms) => NewOperator().Except(rooms);

    /// <summary>Volatile broadcast (Node: <c>nsp.volatile</c>).</summary>
    public BroadcastOperator Volatile => NewOperator().Volatile;

    /// <summary>This node only (Node: <c>nsp.local</c>).</summary>
    public BroadcastOperator Local => NewOperator().Local;

    /// <summary>Compression flag (Node: <c>nsp.compress(bool)</c>).</summary>
    public BroadcastOperator Compress(bool compress) => NewOperator().Compress(compress);

    /// <summary>Ack timeout (Node: <c>nsp.timeout(ms)</c>).</summary>
    public BroadcastOperator Timeout(TimeSpan timeout) => NewOperator().Timeout(timeout);

    /// <summary>Emits to every socket of the namespace (Node: <c>nsp.emit</c>).</summary>
    public ValueTask EmitAsync(string eventName, params object?[] args) => NewOperator().EmitAsync(eventName, args);

    /// <summary>Sends a <c>message</c> event to every socket (Node: <c>nsp.send</c>).</summary>
    public ValueTask SendAsync(params object?[] args) => EmitAsync("message", args);

    /// <summary>Same as <see cref="SendAsync"/>: a <c>message</c> event to every socket (Node: <c>nsp.write</c>, an alias of <c>send</c>).</summary>
    public ValueTask WriteAsync(params object?[] args) => SendAsync(args);

    /// <summary>
    /// All sockets of the namespace, cluster-wide (Node: <c>nsp.fetchSockets()</c>); throws
    /// <see cref="SocketIoClusterUnavailableException"/> while the cluster (Redis) is unreachable.
    /// </summary>
    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(CancellationToken cancellationToken = default) => NewOperator().FetchSocketsAsync(cancellationToken);

    /// <summary>The ids of this server's sockets in the namespace (Node's deprecated <c>nsp.allSockets()</c>).</summary>
    public Task<IReadOnlySet<string>> AllSocketsAsync(CancellationToken cancellationToken = default) => NewOperator().AllSocketsAsync(cancellationToken);

    /// <summary>Makes every socket join rooms (Node: <c>nsp.socketsJoin</c>).</summary>
    public ValueTask SocketsJoinAsync(params string[] rooms) => NewOperator().SocketsJoinAsync(rooms);

    /// <summary>Makes every socket leave rooms (Node: <c>nsp.socketsLeave</c>).</summary>
    public ValueTask SocketsLeaveAsync(params string[] rooms) => NewOperator().SocketsLeaveAsync(rooms);

    /// <summary>Disconnects every socket (Node: <c>nsp.disconnectSockets(close)</c>).</summary>
    public ValueTask DisconnectSocketsAsync(bool close = false) => NewOperator().DisconnectSocketsAsync(close);

    /// <summary>Sends an event to the other servers of the cluster (Node: <c>nsp.serverSideEmit</c>).</summary>
    public async ValueTask ServerSideEmitAsync(string eventName, params object?[] args)
    {
        CheckServerSideName(eventName);
        await Adapter.ServerSideEmitAsync(Server.Json.EventArray(eventName, args), withAck: false).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends an event to the other servers and collects one answer per server (Node: <c>nsp.serverSideEmitWithAck</c>).
    /// Throws <see cref="SocketIoTimeoutException"/> with the partial answers after the adapter's request timeout, and
    /// <see cref="SocketIoClusterUnavailableException"/> at once while the cluster (Redis) is unreachable.
    /// </summary>
    public Task<IReadOnlyList<JToken?>> ServerSideEmitWithAckAsync(string eventName, params object?[] args) =>
        ServerSideEmitWithAckAsync(eventName, args, CancellationToken.None);

    /// <summary>As <see cref="ServerSideEmitWithAckAsync(string, object?[])"/>, cancellable.</summary>
    public Task<IReadOnlyList<JToken?>> ServerSideEmitWithAckAsync(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken)
    {
        CheckServerSideName(eventName);
        return Adapter.ServerSideEmitAsync(Server.Json.EventArray(eventName, args), withAck: true, cancellationToken);
    }

    private static void CheckServerSideName(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        // namespace.ts RESERVED_EVENTS
        if (eventName is "connect" or "connection" or "new_namespace")
        {
            throw new ArgumentException($"\"{eventName}\" is a reserved event name", nameof(eventName));
        }
    }

    internal long NextAckId() => Interlocked.Increment(ref _ids) - 1;

    internal void OnServerSideEmit(JArray args, Action<JToken?>? ack)
    {
        if (args.Count == 0 || !_serverSideHandlers.TryGetValue(SocketIoSocket.EventNameOf(args[0]), out var handlers))
        {
            return;
        }

        var e = new ServerSideEvent(SocketIoSocket.EventNameOf(args[0]), new JArray(args.Skip(1)), ack, Server.Json);
        foreach (var handler in handlers.Snapshot)
        {
            _ = RunAsync(handler, e);
        }
    }

    private async Task RunAsync(Func<ServerSideEvent, ValueTask> handler, ServerSideEvent e)
    {
        try
        {
            await handler(e).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            SocketIoServer.LogHandlerFailed(Server.Logger, "server-side event '" + e.Name + "'", Name, string.Empty, ex);
        }
    }

    internal void CopyHandlersFrom(HandlerList<Func<SocketIoSocket, Func<ValueTask>, ValueTask>> middlewares, HandlerList<Func<SocketIoSocket, CancellationToken, ValueTask>> handlers)
    {
        foreach (var m in middlewares.Snapshot)
        {
            _middlewares.Add(m);
        }

        foreach (var h in handlers.Snapshot)
        {
            _connectionHandlers.Add(h);
        }
    }

    private BroadcastOperator NewOperator() => new(this, null, null, BroadcastFlags.None);

    /// <summary>Connects a client (Node: <c>nsp._add</c>): middleware, then CONNECT or CONNECT_ERROR.</summary>
    /// <returns>False when the namespace was retired (an empty child namespace removed meanwhile): look it up again.</returns>
    internal async Task<bool> AddAsync(ClientConnection client, JObject? auth)
    {
        lock (_membership)
        {
            if (_retired)
            {
                return false;
            }

            _joining++;
        }

        try
        {
            await JoinAsync(client, auth).ConfigureAwait(false);
            return true;
        }
        finally
        {
            lock (_membership)
            {
                _joining--;
            }

            RetireIfEmpty();
        }
    }

    private async Task JoinAsync(ClientConnection client, JObject? auth)
    {
        var restored = await RestoreAsync(auth).ConfigureAwait(false);
        var socket = new SocketIoSocket(this, client, auth, restored?.Session);
        _preConnect[socket.Id] = socket;
        if (restored is not null)
        {
            await socket.JoinAsync(restored.Session.Rooms).ConfigureAwait(false);
            socket.ReplayMissed(restored.MissedPackets);
        }

        Exception? refusal = null;
        var middlewares = _middlewares.Snapshot;
        var skipMiddlewares = restored is not null && Server.Options.ConnectionStateRecovery?.SkipMiddlewares == true;
        if (middlewares.Length > 0 && !skipMiddlewares)
        {
            try
            {
                var completed = await RunMiddlewaresAsync(middlewares, socket).ConfigureAwait(false);
                if (!completed)
                {
                    // A middleware that neither calls next nor throws leaves the client waiting, as in Node.
                    _preConnect.TryRemove(socket.Id, out _);
                    return;
                }
            }
            catch (Exception ex)
            {
                refusal = ex;
            }
        }

        if (client.Conn.ReadyState != EngineIo.EngineIoReadyState.Open)
        {
            socket.Cleanup();
            return;
        }

        if (refusal is not null)
        {
            socket.Cleanup();
            var errorData = (refusal as ConnectionRejectedException)?.ErrorData;
            if (client.Conn.Protocol == 3)
            {
                socket.SendConnectError(Protocol.V4.LegacyProtocol.ConnectErrorData(refusal.Message, errorData));
                return;
            }

            // Node's { message, data }: data is undefined when there is none (JSON leaves it out, msgpack does not).
            var error = new JObject
            {
                ["message"] = refusal.Message,
                ["data"] = errorData ?? JValue.CreateUndefined(),
            };

            socket.SendConnectError(error);
            return;
        }

        _preConnect.TryRemove(socket.Id, out _);
        _sockets[socket.Id] = socket;
        await socket.OnConnectAsync().ConfigureAwait(false);
        Server.Metrics.SocketConnected(Name);
        // Register with the client before CONNECT goes out, so the client's first event finds the socket.
        client.OnSocketConnected(this, socket);
        socket.SendConnect();
        foreach (var handler in _connectionHandlers.Snapshot)
        {
            _ = RunConnectionHandlerAsync(handler, socket);
        }
    }

    /// <summary>
    /// The session a reconnecting client asks for with <c>auth.pid</c> and <c>auth.offset</c> (namespace.ts
    /// _createSocket), or null: recovery off, no or malformed pid/offset, or nothing kept for them. The client then
    /// gets a fresh socket and learns nothing of any other session.
    /// </summary>
    private async Task<RestoredSession?> RestoreAsync(JObject? auth)
    {
        if (Server.Options.ConnectionStateRecovery is null
            || auth?["pid"] is not { Type: JTokenType.String } pid || auth["offset"] is not { Type: JTokenType.String } offset)
        {
            return null;
        }

        try
        {
            var restored = await Adapter.RestoreSessionAsync((string)pid!, (string)offset!).ConfigureAwait(false);
            if (restored is null)
            {
                SocketIoServer.LogNotRecovered(Server.Logger, Name);
            }

            return restored;
        }
        catch (Exception ex)
        {
            SocketIoServer.LogRecoveryFailed(Server.Logger, Name, ex);
            return null;
        }
    }

    private async Task RunConnectionHandlerAsync(Func<SocketIoSocket, CancellationToken, ValueTask> handler, SocketIoSocket socket)
    {
        try
        {
            await handler(socket, socket.Disconnected).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            SocketIoServer.LogHandlerFailed(Server.Logger, "connection handler", Name, socket.Id, ex);
        }
    }

    private static async ValueTask<bool> RunMiddlewaresAsync(Func<SocketIoSocket, Func<ValueTask>, ValueTask>[] middlewares, SocketIoSocket socket)
    {
        var reached = false;
        ValueTask Next(int index)
        {
            if (index == middlewares.Length)
            {
                reached = true;
                return ValueTask.CompletedTask;
            }

            return middlewares[index](socket, () => Next(index + 1));
        }

        await Next(0).ConfigureAwait(false);
        return reached;
    }

    internal void Remove(SocketIoSocket socket)
    {
        if (!_sockets.TryRemove(socket.Id, out _))
        {
            _preConnect.TryRemove(socket.Id, out _);
        }

        RetireIfEmpty();
    }

    /// <summary>
    /// With <see cref="SocketIoOptions.CleanupEmptyChildNamespaces"/>, removes this child namespace once no socket is
    /// in it or joining it, and closes its adapter (namespace.ts / parent-namespace.ts createChild).
    /// </summary>
    private void RetireIfEmpty()
    {
        if (Parent is null || !Server.Options.CleanupEmptyChildNamespaces)
        {
            return;
        }

        lock (_membership)
        {
            if (_retired || _joining > 0 || !_sockets.IsEmpty || !_preConnect.IsEmpty)
            {
                return;
            }

            _retired = true;
        }

        Parent.RemoveChild(this);
        Server.RemoveNamespace(this);
        _ = CloseAdapterAsync();
    }

    private async Task CloseAdapterAsync()
    {
        try
        {
            await Adapter.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            SocketIoServer.LogHandlerFailed(Server.Logger, "adapter close", Name, string.Empty, ex);
        }
    }
}
