using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.EngineIo;
using SocketIo.Server.Protocol;

namespace SocketIo.Server;

/// <summary>
/// A client's connection to one namespace (Node: socket.io <c>Socket</c>). Its id is a fresh 20-character
/// base64id, never the Engine.IO sid. Handlers are async delegates; the receive path starts them and never
/// waits for them.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The disconnect token is handed to user code and must stay usable after the socket leaves.")]
public sealed partial class SocketIoSocket
{
    /// <summary>Event names that cannot be emitted (Node: socket-types.ts <c>RESERVED_EVENTS</c>).</summary>
    internal static readonly HashSet<string> ReservedEvents = new(StringComparer.Ordinal)
    {
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    };

    private readonly EventHandlerTable _handlers = new();
    // Each made by its first listener (HandlerLists.Of): most sockets have none of these, and six empty lists were
    // 144 bytes of every connection.
    private HandlerList<Func<SocketIoEvent, ValueTask>>? _anyListeners;
    private HandlerList<Func<string, JArray, ValueTask>>? _anyOutgoingListeners;
    private HandlerList<Func<SocketIoEvent, Func<ValueTask>, ValueTask>>? _middlewares;
    private HandlerList<Func<DisconnectReason, string?, ValueTask>>? _disconnecting;
    private HandlerList<Func<DisconnectReason, string?, ValueTask>>? _disconnect;
    private HandlerList<Func<Exception, ValueTask>>? _errorHandlers;
    // Created on first use: most sockets never wait for an ack.
    private ConcurrentDictionary<long, PendingAck>? _acks;
    private ConcurrentDictionary<object, object?>? _items;
    // Created when first asked for (most sockets never are); AlreadyDisconnected once the socket has disconnected.
    private CancellationTokenSource? _disconnected;
    private readonly ILogger _logger;
    private int _state; // 0 pre-connect, 1 connected, 2 disconnected

    internal SocketIoSocket(SocketIoNamespace nsp, ClientConnection client, JObject? auth, PersistedSession? previous = null)
    {
        Namespace = nsp;
        Connection = client;
        // A recovered socket is the one that left: same id, private id and data (socket.ts constructor).
        // 2.x clients (Engine.IO v3) know their id from the Engine.IO id: their CONNECT carries none (socket.ts constructor).
        Id = previous?.Sid ?? (client.Conn.Protocol == 3 ? Protocol.V4.LegacyProtocol.SocketId(nsp.Name, client.Conn.Id) : Base64Id.Generate());
        Pid = previous?.Pid ?? (nsp.Server.Options.ConnectionStateRecovery is null ? null : Base64Id.Generate());
        Recovered = previous is not null;
        if (previous?.Data is { } data)
        {
            _data = data;
        }

        Handshake = SocketIoHandshake.From(client.Conn.Request, auth, nsp.Server.TimeProvider.GetUtcNow());
        _logger = nsp.Server.Logger;
    }

    /// <summary>The socket id (Node: <c>socket.id</c>).</summary>
    public string Id { get; }

    /// <summary>
    /// Whether this socket came back from a lost connection with its id, rooms, data and missed packets (Node:
    /// <c>socket.recovered</c>); needs <see cref="SocketIoOptions.ConnectionStateRecovery"/>.
    /// </summary>
    public bool Recovered { get; }

    /// <summary>
    /// The private session id a client presents to recover this socket (Node: <c>socket.pid</c>, sent only in the
    /// CONNECT reply). Null when connection state recovery is off. Like the Engine.IO id, it must not be shown to others.
    /// </summary>
    internal string? Pid { get; }

    /// <summary>The namespace (Node: <c>socket.nsp</c>).</summary>
    public SocketIoNamespace Namespace { get; }

    /// <summary>The server.</summary>
    public SocketIoServer Server => Namespace.Server;

    /// <summary>The handshake details (Node: <c>socket.handshake</c>).</summary>
    public SocketIoHandshake Handshake { get; }

    /// <summary>
    /// The HTTP request that opened the connection (Node: <c>socket.request</c>): the very instance
    /// <see cref="EngineIo.EngineIoOptions.AllowRequest"/> received, with what it put in its <c>Items</c>.
    /// </summary>
    public EngineIoRequest Request => Connection.Conn.Request;

    /// <summary>The user of the HTTP request that opened the connection (ASP.NET authentication).</summary>
    public ClaimsPrincipal User => Connection.Conn.Request.User;

    /// <summary>
    /// Free-form data, visible to other nodes through fetchSockets (Node: <c>socket.data</c>, default <c>{}</c>).
    /// Assigning it (null becomes a JSON null) calls the <see cref="OnDataAssigned"/> listeners.
    /// </summary>
    public JToken Data
    {
        // Made on first use: most sockets never touch it, and it is an object per connection.
        get => LazyInitializer.EnsureInitialized(ref _data, static () => new JObject());
        set
        {
            var data = value ?? JValue.CreateNull();
            System.Threading.Volatile.Write(ref _data, data);
            // A null check when nobody listens, which is the rule: only tools such as the admin UI do.
            if (System.Threading.Volatile.Read(ref _dataAssigned) is { } listeners)
            {
                foreach (var listener in listeners.Snapshot)
                {
                    listener(data);
                }
            }
        }
    }

    private JToken? _data;
    private HandlerList<Action<JToken>>? _dataAssigned;

    /// <summary>
    /// Adds a listener called with the new value each time <see cref="Data"/> is assigned, synchronously, on the thread
    /// that assigns it, after the value is in place; an exception it throws reaches that code. Changes made inside the
    /// current value (a property set on its <see cref="JObject"/>) are not assignments: Newtonsoft's
    /// <see cref="JContainer.CollectionChanged"/> on each container reports those. No Node equivalent: Node's
    /// <c>socket.data</c> is a plain property (the admin UI watches it through a <c>Proxy</c>, this is what its .NET
    /// twin listens to).
    /// </summary>
    public SocketIoSocket OnDataAssigned(Action<JToken> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        HandlerLists.Of(ref _dataAssigned).Add(listener);
        return this;
    }

    /// <summary>Removes one <see cref="OnDataAssigned"/> listener, or all of them when <paramref name="listener"/> is null.</summary>
    public SocketIoSocket OffDataAssigned(Action<JToken>? listener = null)
    {
        System.Threading.Volatile.Read(ref _dataAssigned)?.Remove(listener);
        return this;
    }

    /// <summary>Local per-socket state that never leaves this process.</summary>
    public IDictionary<object, object?> Items => LazyInitializer.EnsureInitialized(ref _items, static () => new ConcurrentDictionary<object, object?>(concurrencyLevel: 1, capacity: 4));

    private ConcurrentDictionary<long, PendingAck> Acks => LazyInitializer.EnsureInitialized(ref _acks, static () => new ConcurrentDictionary<long, PendingAck>(concurrencyLevel: 1, capacity: 4));

    /// <summary>Whether the socket is connected (Node: <c>socket.connected</c>).</summary>
    public bool Connected => System.Threading.Volatile.Read(ref _state) == 1;

    /// <summary>Signalled when the socket disconnects.</summary>
    public CancellationToken Disconnected
    {
        get
        {
            if (System.Threading.Volatile.Read(ref _disconnected) is { } source)
            {
                return source.Token;
            }

            var made = new CancellationTokenSource();
            // Lost to the disconnect (or another caller): the source it left is the one to watch.
            return (Interlocked.CompareExchange(ref _disconnected, made, null) ?? made).Token;
        }
    }

    private static readonly CancellationTokenSource AlreadyDisconnected = CancelledSource();

    private static CancellationTokenSource CancelledSource()
    {
        var source = new CancellationTokenSource();
        source.Cancel();
        return source;
    }

    /// <summary>The Engine.IO session under this socket, read-only; shared by its sockets in other namespaces (Node: <c>socket.conn</c>).</summary>
    public EngineIoConnection Conn => Connection.View;

    /// <summary>The rooms the socket is in, its own id room included (Node: <c>socket.rooms</c>).</summary>
    public IReadOnlyCollection<string> Rooms => Adapter.SocketRooms(Id) ?? Array.Empty<string>();

    /// <summary>
    /// The connection this socket came over, read-only: its Engine.IO session, request and its sockets in every
    /// namespace (Node: <c>socket.client</c>).
    /// </summary>
    public SocketIoClient Client => Connection.ClientView;

    internal ClientConnection Connection { get; }

    private SocketIoAdapter Adapter => Namespace.Adapter;

    /// <summary>Adds an event handler (Node: <c>socket.on(name, handler)</c>).</summary>
    public SocketIoSocket On(string eventName, Func<SocketIoEvent, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(eventName, handler);
        return this;
    }

    /// <summary>Removes one handler, or all handlers of the event when <paramref name="handler"/> is null (Node: <c>socket.off</c>).</summary>
    public SocketIoSocket Off(string eventName, Func<SocketIoEvent, ValueTask>? handler = null)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        _handlers.Remove(eventName, handler);
        return this;
    }

    /// <summary>Adds a catch-all listener, called before the event's own handlers (Node: <c>socket.onAny</c>).</summary>
    public SocketIoSocket OnAny(Func<SocketIoEvent, ValueTask> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        HandlerLists.Of(ref _anyListeners).Add(listener);
        return this;
    }

    /// <summary>Adds a catch-all listener in first position (Node: <c>socket.prependAny</c>).</summary>
    public SocketIoSocket PrependAny(Func<SocketIoEvent, ValueTask> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        HandlerLists.Of(ref _anyListeners).Prepend(listener);
        return this;
    }

    /// <summary>Removes a catch-all listener, or all of them (Node: <c>socket.offAny</c>).</summary>
    public SocketIoSocket OffAny(Func<SocketIoEvent, ValueTask>? listener = null)
    {
        _anyListeners?.Remove(listener);
        return this;
    }

    /// <summary>Adds a listener for every packet this socket emits: (event name, arguments) (Node: <c>socket.onAnyOutgoing</c>).</summary>
    public SocketIoSocket OnAnyOutgoing(Func<string, JArray, ValueTask> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        HandlerLists.Of(ref _anyOutgoingListeners).Add(listener);
        return this;
    }

    /// <summary>Adds an outgoing listener in first position (Node: <c>socket.prependAnyOutgoing</c>).</summary>
    public SocketIoSocket PrependAnyOutgoing(Func<string, JArray, ValueTask> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        HandlerLists.Of(ref _anyOutgoingListeners).Prepend(listener);
        return this;
    }

    /// <summary>Removes an outgoing listener, or all of them (Node: <c>socket.offAnyOutgoing</c>).</summary>
    public SocketIoSocket OffAnyOutgoing(Func<string, JArray, ValueTask>? listener = null)
    {
        _anyOutgoingListeners?.Remove(listener);
        return this;
    }

    /// <summary>
    /// Adds a per-packet middleware (Node: <c>socket.use((event, next) => …)</c>). Throwing stops the packet and
    /// passes the exception to the <see cref="OnError"/> handlers.
    /// </summary>
    public SocketIoSocket Use(Func<SocketIoEvent, Func<ValueTask>, ValueTask> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        HandlerLists.Of(ref _middlewares).Add(middleware);
        return this;
    }

    /// <summary>Called while the socket is leaving, rooms still joined (Node: <c>socket.on("disconnecting")</c>).</summary>
    public SocketIoSocket OnDisconnecting(Func<DisconnectReason, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return OnDisconnecting((reason, _) => handler(reason));
    }

    /// <summary>
    /// As <see cref="OnDisconnecting(Func{DisconnectReason, ValueTask})"/>, with the close's description when the
    /// connection ended (what failed, e.g. "outbound buffer full"); null otherwise (Node: <c>(reason, description)</c>).
    /// </summary>
    public SocketIoSocket OnDisconnecting(Func<DisconnectReason, string?, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        HandlerLists.Of(ref _disconnecting).Add(handler);
        return this;
    }

    /// <summary>Called once the socket has left (Node: <c>socket.on("disconnect")</c>).</summary>
    public SocketIoSocket OnDisconnect(Func<DisconnectReason, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return OnDisconnect((reason, _) => handler(reason));
    }

    /// <summary>
    /// As <see cref="OnDisconnect(Func{DisconnectReason, ValueTask})"/>, with the close's description when the
    /// connection ended; null otherwise (Node: <c>socket.on("disconnect", (reason, description) => …)</c>).
    /// </summary>
    public SocketIoSocket OnDisconnect(Func<DisconnectReason, string?, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        HandlerLists.Of(ref _disconnect).Add(handler);
        return this;
    }

    /// <summary>Called with errors from <see cref="Use"/> middlewares and with protocol errors (Node: <c>socket.on("error")</c>).</summary>
    public SocketIoSocket OnError(Func<Exception, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        HandlerLists.Of(ref _errorHandlers).Add(handler);
        return this;
    }

    /// <summary>Joins rooms (Node: <c>socket.join</c>).</summary>
    public ValueTask JoinAsync(params string[] rooms) => JoinAsync((IReadOnlyCollection<string>)rooms);

    /// <summary>Joins rooms (Node: <c>socket.join</c>).</summary>
    public ValueTask JoinAsync(IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        // After cleanup, join is a no-op (Node replaces socket.join with noop).
        return System.Threading.Volatile.Read(ref _state) == 2 ? ValueTask.CompletedTask : Adapter.AddAllAsync(Id, rooms);
    }

    /// <summary>Leaves a room (Node: <c>socket.leave</c>).</summary>
    public ValueTask LeaveAsync(string room) => Adapter.DelAsync(Id, room);

    /// <summary>Targets a room, excluding this socket (Node: <c>socket.to(room)</c>).</summary>
    public BroadcastOperator To(params string[] rooms) => Broadcast.To(rooms);

    /// <summary>Same as <see cref="To"/> (Node: <c>socket.in(room)</c>).</summary>
    public BroadcastOperator In(params string[] rooms) => Broadcast.To(rooms);

    /// <summary>Excludes rooms, and this socket (Node: <c>socket.except(room)</c>).</summary>
    public BroadcastOperator Except(params string[] rooms) => Broadcast.Except(rooms);

    /// <summary>Every socket of the namespace but this one (Node: <c>socket.broadcast</c>).</summary>
    public BroadcastOperator Broadcast => new(Namespace, null, new HashSet<string>(StringComparer.Ordinal) { Id }, BroadcastFlags.None);

    /// <summary>Broadcast to this node only (Node: <c>socket.local</c>).</summary>
    public BroadcastOperator Local => Broadcast.Local;

    internal SocketDetails ToDetails() => new(Id, Handshake, Rooms, Data);

    private void LogHandlerError(Exception ex, string what) => SocketIoServer.LogHandlerFailed(_logger, what, Namespace.Name, Id, ex);
}
