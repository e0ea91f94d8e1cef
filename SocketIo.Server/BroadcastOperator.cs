using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Server;

/// <summary>
/// An immutable broadcast target (Node: <c>BroadcastOperator</c>): rooms, excluded rooms and flags. Every modifier
/// returns a new operator; the emit methods hand one encoded packet to the adapter.
/// </summary>
public sealed class BroadcastOperator
{
    private readonly SocketIoNamespace _nsp;
    private readonly HashSet<string> _rooms;
    private readonly HashSet<string> _except;
    private readonly BroadcastFlags _flags;

    internal BroadcastOperator(SocketIoNamespace nsp, HashSet<string>? rooms, HashSet<string>? except, BroadcastFlags flags)
    {
        _nsp = nsp;
        _rooms = rooms ?? new HashSet<string>(StringComparer.Ordinal);
        _except = except ?? new HashSet<string>(StringComparer.Ordinal);
        _flags = flags;
    }

    /// <summary>Adds target rooms (Node: <c>to(room)</c>).</summary>
    public BroadcastOperator To(params string[] rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        var next = new HashSet<string>(_rooms, StringComparer.Ordinal);
        next.UnionWith(rooms);
        return new BroadcastOperator(_nsp, next, _except, _flags);
    }

    /// <summary>Same as <see cref="To"/> (Node: <c>in(room)</c>).</summary>
    public BroadcastOperator In(params string[] rooms) => To(rooms);

    /// <summary>Excludes rooms (Node: <c>except(room)</c>).</summary>
    public BroadcastOperator Except(params string[] rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        var next = new HashSet<string>(_except, StringComparer.Ordinal);
        next.UnionWith(rooms);
        return new BroadcastOperator(_nsp, _rooms, next, _flags);
    }

    /// <summary>Sets whether packets may be compressed (Node: <c>compress(bool)</c>).</summary>
    public BroadcastOperator Compress(bool compress) => new(_nsp, _rooms, _except, _flags with { Compress = compress });

    /// <summary>Drops the packet for clients that cannot receive it right now (Node: <c>volatile</c>).</summary>
    public BroadcastOperator Volatile => new(_nsp, _rooms, _except, _flags with { Volatile = true });

    /// <summary>Only this node's clients (Node: <c>local</c>).</summary>
    public BroadcastOperator Local => new(_nsp, _rooms, _except, _flags with { Local = true });

    /// <summary>Ack timeout for <c>EmitWithAckAsync</c> (Node: <c>timeout(ms)</c>).</summary>
    public BroadcastOperator Timeout(TimeSpan timeout) => new(_nsp, _rooms, _except, _flags with { Timeout = timeout });

    internal BroadcastOperator ExpectSingleResponse => new(_nsp, _rooms, _except, _flags with { ExpectSingleResponse = true });

    private SocketIoAdapter Adapter => _nsp.Adapter;

    private BroadcastOptions Options => new(_rooms, _except, _flags);

    /// <summary>Emits to every targeted client (Node: <c>emit(name, ...args)</c>); reserved names throw.</summary>
    public ValueTask EmitAsync(string eventName, params object?[] args)
    {
        SocketIoSocket.CheckEventName(eventName);
        var packet = new SocketIoPacket(SocketIoPacketType.Event, _nsp.Name, _nsp.Server.Json.EventArray(eventName, args));
        return Adapter.BroadcastAsync(packet, Options);
    }

    /// <summary>
    /// Emits and collects one acknowledgement per client, across the cluster (Node: <c>emitWithAck</c>). Needs
    /// <see cref="Timeout"/>; on timeout throws <see cref="SocketIoTimeoutException"/> with the responses received.
    /// While the cluster (Redis) is unreachable the local clients still get the packet, and the call throws
    /// <see cref="SocketIoClusterUnavailableException"/> because the other servers cannot be counted.
    /// </summary>
    public Task<IReadOnlyList<JToken?>> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckAsync(eventName, (IReadOnlyList<object?>)args, CancellationToken.None);

    /// <summary>As <see cref="EmitWithAckAsync(string, object?[])"/>, cancellable.</summary>
    public async Task<IReadOnlyList<JToken?>> EmitWithAckAsync(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken)
    {
        SocketIoSocket.CheckEventName(eventName);
        // No ack id here: each server's adapter gives the packet one of its own (Node publishes the packet without it).
        var packet = new SocketIoPacket(SocketIoPacketType.Event, _nsp.Name, _nsp.Server.Json.EventArray(eventName, args));
        var collector = new BroadcastAckCollector();
        var timeout = _flags.Timeout ?? System.Threading.Timeout.InfiniteTimeSpan;
        // The adapters drop the sockets' ack entries at the same deadline (the port's ack streams).
        await using var timer = _nsp.Server.TimeProvider.CreateTimer(
            _ =>
            {
                _nsp.Server.Metrics.AckTimedOut(_nsp.Name);
                collector.TimeOut();
            },
            null,
            timeout,
            System.Threading.Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        await using var registration = cancellationToken.Register(() => collector.Cancel(cancellationToken)).ConfigureAwait(false);

        await Adapter.BroadcastWithAckAsync(packet, Options, collector.AddServer, collector.AddResponse).ConfigureAwait(false);
        // A local emit never asks the cluster (its count is unknown while Redis is down, and irrelevant).
        collector.SetExpectedServers(_flags.Local ? 1 : await Adapter.ServerCountAsync(cancellationToken).ConfigureAwait(false));
        return await collector.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="EmitWithAckAsync(string, object?[])"/>, each response converted to <typeparamref name="T"/> with
    /// <see cref="SocketIoOptions.JsonSerializerSettings"/> (typed acks).
    /// </summary>
    public Task<IReadOnlyList<T?>> EmitWithAckAsync<T>(string eventName, params object?[] args) =>
        EmitWithAckAsync<T>(eventName, (IReadOnlyList<object?>)args, CancellationToken.None);

    /// <summary>As <see cref="EmitWithAckAsync{T}(string, object?[])"/>, cancellable.</summary>
    public async Task<IReadOnlyList<T?>> EmitWithAckAsync<T>(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken)
    {
        var responses = await EmitWithAckAsync(eventName, args, cancellationToken).ConfigureAwait(false);
        var typed = new T?[responses.Count];
        for (var i = 0; i < typed.Length; i++)
        {
            typed[i] = responses[i] is { } token ? _nsp.Server.Json.ToObject<T>(token) : default;
        }

        return typed;
    }

    /// <summary>
    /// A typed emitter of the broadcast contract <typeparamref name="T"/> to these clients (Node: <c>io.to(room).emit</c>
    /// typed by <c>ServerToClientEvents</c>; SignalR: <c>Hub&lt;T&gt;.Clients.Group(g)</c>). <c>Task M(a)</c> is
    /// <see cref="EmitAsync"/>; a method with acks returns one answer per client, so it is declared
    /// <c>Task&lt;IReadOnlyList&lt;TResult&gt;&gt; M(a)</c> (<see cref="EmitWithAckAsync{T}(string, object?[])"/>, with
    /// <see cref="Timeout"/>). A socket contract whose methods take acks (<c>Task&lt;TResult&gt;</c>) is refused here at
    /// compile time: declare a broadcast interface beside it (both may inherit the fire-and-forget events from a third).
    /// </summary>
    public T Emitter<T>()
        where T : class => SocketIoContracts.BroadcastEmitter<T>(this);

    /// <summary>
    /// The targeted sockets, on every node (Node: <c>fetchSockets()</c>). Throws <see cref="SocketIoClusterUnavailableException"/>
    /// while the cluster (Redis) is unreachable (unless <see cref="Local"/>) rather than answer with this server's sockets only.
    /// </summary>
    public async Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(CancellationToken cancellationToken = default)
    {
        var details = await Adapter.FetchSocketsAsync(Options, cancellationToken).ConfigureAwait(false);
        var result = new List<RemoteSocket>(details.Count);
        foreach (var d in details)
        {
            result.Add(new RemoteSocket(_nsp, d));
        }

        return result;
    }

    /// <summary>
    /// The ids of this server's sockets in the targeted rooms, or all of them without rooms (Node's deprecated
    /// <c>allSockets()</c>: the adapter's <c>sockets(rooms)</c>, which ignores <see cref="Except"/> and, on the Redis
    /// adapters of 8.x, the other servers). Prefer <see cref="FetchSocketsAsync"/>, which sees the cluster.
    /// </summary>
    public async Task<IReadOnlySet<string>> AllSocketsAsync(CancellationToken cancellationToken = default) =>
        new HashSet<string>(await Adapter.SocketsAsync(_rooms, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);

    /// <summary>Makes the targeted sockets join rooms (Node: <c>socketsJoin</c>).</summary>
    public ValueTask SocketsJoinAsync(params string[] rooms) => Adapter.AddSocketsAsync(Options, rooms);

    /// <summary>Makes the targeted sockets leave rooms (Node: <c>socketsLeave</c>).</summary>
    public ValueTask SocketsLeaveAsync(params string[] rooms) => Adapter.DelSocketsAsync(Options, rooms);

    /// <summary>Disconnects the targeted sockets (Node: <c>disconnectSockets(close)</c>).</summary>
    public ValueTask DisconnectSocketsAsync(bool close = false) => Adapter.DisconnectSocketsAsync(Options, close);

    /// <summary>
    /// Gathers a broadcast's acknowledgements: complete when every server has reported its client count and every
    /// counted client has answered (broadcast-operator.ts checkCompleteness).
    /// </summary>
    private sealed class BroadcastAckCollector
    {
        private readonly object _sync = new();
        private readonly List<JToken?> _responses = new();
        private readonly TaskCompletionSource<IReadOnlyList<JToken?>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _expectedServers = -1;
        private int _servers;
        private int _expectedClients;

        public Task<IReadOnlyList<JToken?>> Task => _done.Task;

        public void AddServer(int clients)
        {
            lock (_sync)
            {
                _expectedClients += clients;
                _servers++;
                CheckLocked();
            }
        }

        public void AddResponse(JToken? response)
        {
            lock (_sync)
            {
                _responses.Add(response);
                CheckLocked();
            }
        }

        public void SetExpectedServers(int count)
        {
            lock (_sync)
            {
                _expectedServers = count;
                CheckLocked();
            }
        }

        public void TimeOut()
        {
            lock (_sync)
            {
                _done.TrySetException(new SocketIoTimeoutException(_responses.ToArray()));
            }
        }

        public void Cancel(CancellationToken token) => _done.TrySetCanceled(token);

        private void CheckLocked()
        {
            if (_expectedServers == _servers && _responses.Count == _expectedClients)
            {
                _done.TrySetResult(_responses.ToArray());
            }
        }
    }
}
