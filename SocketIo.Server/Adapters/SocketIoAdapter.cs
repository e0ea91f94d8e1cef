using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Server.Adapters;

/// <summary>
/// Keeps the rooms of one namespace and delivers broadcasts (Node: socket.io-adapter <c>Adapter</c>). The default is
/// <see cref="InMemoryAdapter"/>; cluster adapters (Redis) derive from <see cref="ClusterAdapter"/>. An adapter reaches
/// its namespace only through <see cref="Namespace"/>, the port, so one can be written in any assembly.
/// Extension point: grows by virtual members.
/// </summary>
public abstract class SocketIoAdapter : IAsyncDisposable
{
    // The default Sids, made on first use (most adapters override it, most users never read it).
    private InvertedSetMap? _inverted;

    /// <summary>Creates the adapter for a namespace.</summary>
    protected SocketIoAdapter(IAdapterNamespace nsp)
    {
        ArgumentNullException.ThrowIfNull(nsp);
        Namespace = nsp;
    }

    /// <summary>The namespace this adapter serves.</summary>
    public IAdapterNamespace Namespace { get; }

    /// <summary>Starts the adapter (subscriptions for cluster adapters) (Node: <c>init()</c>).</summary>
    public virtual Task InitAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Stops the adapter (Node: <c>close()</c>).</summary>
    public virtual ValueTask CloseAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// How many servers share this namespace (Node: <c>serverCount()</c>); 1 when alone. A cluster adapter throws
    /// <see cref="SocketIoClusterUnavailableException"/> when it cannot count (Redis unreachable), never a guess.
    /// </summary>
    public virtual Task<int> ServerCountAsync(CancellationToken cancellationToken = default) => Task.FromResult(1);

    /// <summary>Adds a socket to rooms (Node: <c>addAll</c>).</summary>
    public abstract ValueTask AddAllAsync(string socketId, IReadOnlyCollection<string> rooms);

    /// <summary>Removes a socket from a room (Node: <c>del</c>).</summary>
    public abstract ValueTask DelAsync(string socketId, string room);

    /// <summary>Removes a socket from all its rooms (Node: <c>delAll</c>).</summary>
    public abstract ValueTask DelAllAsync(string socketId);

    /// <summary>
    /// A snapshot of the rooms of a local socket, or null if unknown (Node: <c>socketRooms</c>). The default copies
    /// the socket's set in <see cref="Sids"/>.
    /// </summary>
    public virtual IReadOnlyCollection<string>? SocketRooms(string socketId) =>
        Sids.TryGetValue(socketId, out var rooms) ? rooms.ToArray() : null;

    /// <summary>How many local sockets are in a room; 0 for a room that does not exist. The default reads <see cref="Rooms"/>.</summary>
    public virtual int RoomSize(string room) => Rooms.TryGetValue(room, out var ids) ? ids.Count : 0;

    /// <summary>
    /// This server's rooms, each with the ids of its sockets in it (Node: <c>adapter.rooms</c>, a
    /// <c>Map&lt;Room, Set&lt;SocketId&gt;&gt;</c>); every socket is in the room named by its own id. A read-only, live
    /// view: lookups and counts read the state of the moment and a set once looked up stays current, while an
    /// enumeration walks what was there when it started, so sockets joining and leaving on other threads never make it
    /// throw. Local, as in Node: with a cluster adapter it holds this server's sockets only (ask the cluster with
    /// <see cref="FetchSocketsAsync"/>).
    /// <para>
    /// An adapter implements it (the room names are its <c>Keys</c>); it and its sets must be safe to read while sockets
    /// join and leave.
    /// </para>
    /// </summary>
    public abstract IReadOnlyDictionary<string, IReadOnlySet<string>> Rooms { get; }

    /// <summary>
    /// This server's sockets, each with its rooms (Node: <c>adapter.sids</c>, a <c>Map&lt;SocketId, Set&lt;Room&gt;&gt;</c>):
    /// a read-only, live view, local, as <see cref="Rooms"/>. A socket that joined rooms in a middleware is in it
    /// before it is connected, as in Node. The default works it out from <see cref="Rooms"/> at each read (a walk
    /// over every room, and a socket in no room is missing); an adapter that keeps socket → rooms itself overrides it.
    /// </summary>
    public virtual IReadOnlyDictionary<string, IReadOnlySet<string>> Sids => _inverted ??= new InvertedSetMap(this);

    /// <summary>Sends a packet to the targeted sockets (Node: <c>broadcast</c>).</summary>
    public abstract ValueTask BroadcastAsync(SocketIoPacket packet, BroadcastOptions options);

    /// <summary>
    /// Sends a packet that every targeted client acknowledges (Node: <c>broadcastWithAck</c>):
    /// <paramref name="clientCount"/> is called once per server with the number of clients reached,
    /// <paramref name="ack"/> once per client response. The packet's ack id is given by each server's port
    /// (<see cref="IAdapterNamespace.SendWithAck"/>); <see cref="BroadcastFlags.Timeout"/> is the deadline.
    /// </summary>
    public abstract ValueTask BroadcastWithAckAsync(SocketIoPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JToken?> ack);

    /// <summary>Ids of the sockets in the given rooms (Node: <c>sockets(rooms)</c>).</summary>
    public abstract ValueTask<IReadOnlyCollection<string>> SocketsAsync(IReadOnlySet<string> rooms, CancellationToken cancellationToken = default);

    /// <summary>
    /// The targeted sockets (Node: <c>fetchSockets</c>). A cluster adapter throws
    /// <see cref="SocketIoClusterUnavailableException"/> when it cannot reach the other servers.
    /// </summary>
    public abstract ValueTask<IReadOnlyList<SocketDetails>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default);

    /// <summary>Makes the targeted sockets join rooms (Node: <c>addSockets</c>).</summary>
    public abstract ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms);

    /// <summary>Makes the targeted sockets leave rooms (Node: <c>delSockets</c>).</summary>
    public abstract ValueTask DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms);

    /// <summary>Disconnects the targeted sockets (Node: <c>disconnectSockets</c>).</summary>
    public abstract ValueTask DisconnectSocketsAsync(BroadcastOptions options, bool close);

    /// <summary>
    /// Sends an event to the other servers of the cluster (Node: <c>serverSideEmit</c>). With an ack, the
    /// returned task completes with every other server's response, or throws <see cref="SocketIoTimeoutException"/>
    /// holding the partial responses, or <see cref="SocketIoClusterUnavailableException"/> when the other servers cannot
    /// be reached.
    /// </summary>
    public abstract Task<IReadOnlyList<JToken?>> ServerSideEmitAsync(JArray args, bool withAck, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps what connection state recovery needs of a socket whose connection was lost (Node:
    /// <c>SessionAwareAdapter.persistSession</c>). An adapter that cannot recover keeps nothing (the default).
    /// </summary>
    public virtual ValueTask PersistSessionAsync(PersistedSession session, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// Finds a kept session by its private id, with every packet sent to it after <paramref name="offset"/> (Node:
    /// <c>SessionAwareAdapter.restoreSession</c>). Null when unknown, expired, or the offset is older than what is kept
    /// (never a partial replay); the default keeps nothing, so it is always null.
    /// </summary>
    public virtual ValueTask<RestoredSession?> RestoreSessionAsync(string pid, string offset, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<RestoredSession?>(null);

    /// <summary>Raised when a room is created (Node: <c>create-room</c>).</summary>
    public event EventHandler<RoomEventArgs>? RoomCreated;

    /// <summary>Raised when a room is deleted (Node: <c>delete-room</c>).</summary>
    public event EventHandler<RoomEventArgs>? RoomDeleted;

    /// <summary>Raised when a socket joins a room (Node: <c>join-room</c>).</summary>
    public event EventHandler<RoomEventArgs>? RoomJoined;

    /// <summary>Raised when a socket leaves a room (Node: <c>leave-room</c>).</summary>
    public event EventHandler<RoomEventArgs>? RoomLeft;

    /// <summary>Raises <see cref="RoomCreated"/>.</summary>
    protected void OnRoomCreated(string room) => RoomCreated?.Invoke(this, new RoomEventArgs(room, null));

    /// <summary>Raises <see cref="RoomDeleted"/>.</summary>
    protected void OnRoomDeleted(string room) => RoomDeleted?.Invoke(this, new RoomEventArgs(room, null));

    /// <summary>Raises <see cref="RoomJoined"/>.</summary>
    protected void OnRoomJoined(string room, string socketId) => RoomJoined?.Invoke(this, new RoomEventArgs(room, socketId));

    /// <summary>Raises <see cref="RoomLeft"/>.</summary>
    protected void OnRoomLeft(string room, string socketId) => RoomLeft?.Invoke(this, new RoomEventArgs(room, socketId));
}
