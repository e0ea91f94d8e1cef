using SocketIo.Redis.Emitter;
using StackExchange.Redis;

namespace SocketIo.Redis;

/// <summary>
/// Sends to the clients and servers of a Socket.IO cluster on the classic Redis adapter from any process, without
/// running a server (Node: <c>Emitter</c> of @socket.io/redis-emitter 5.1.0, publishing the same channels and bytes).
/// It only publishes: it reads nothing from Redis, counts no servers and takes no acks, as Node's. Servers on the
/// sharded or streams adapters do not hear it (Node's emitter speaks the classic protocol only).
/// </summary>
/// <remarks>
/// Each call issues its PUBLISH before it returns, so publications keep their call order; the task completes when
/// Redis has taken it. While the multiplexer has no connection the call fails at once with
/// <see cref="SocketIo.Server.SocketIoClusterUnavailableException"/> instead of waiting for a reconnect (Node's client
/// would queue it): a message delivered late is worth less than an error the caller sees.
/// </remarks>
public sealed class RedisEmitter
{
    private readonly EmitterCore _core;
    private readonly RedisChannels _channels;

    /// <summary>An emitter of the namespace <c>/</c> on an existing multiplexer, which stays the caller's (Node: <c>new Emitter(redisClient, opts)</c>).</summary>
    public RedisEmitter(IConnectionMultiplexer redis, RedisEmitterOptions? options = null)
        : this(new RedisConnection(redis ?? throw new ArgumentNullException(nameof(redis))), options)
    {
    }

    /// <summary>An emitter of the namespace <c>/</c> on a <see cref="RedisConnection"/> (a server's own, for example), which stays the caller's.</summary>
    public RedisEmitter(RedisConnection connection, RedisEmitterOptions? options = null)
        : this(PublisherOf(connection), options)
    {
    }

    /// <summary>An emitter that hands its publications to <paramref name="publish"/> (tests compare them with Node's).</summary>
    internal RedisEmitter(Func<WireMessage, Task> publish, RedisEmitterOptions? options)
        : this(new EmitterCore(publish, options ?? new RedisEmitterOptions()), "/")
    {
    }

    private RedisEmitter(EmitterCore core, string nsp)
    {
        _core = core;
        _channels = new RedisChannels(core.Key, nsp);
    }

    /// <summary>The namespace this emitter sends to (Node: <c>emitter.nsp</c>).</summary>
    public string Namespace => _channels.Namespace;

    /// <summary>An emitter of another namespace, with the same connection and options (Node: <c>of(nsp)</c>; a missing leading <c>/</c> is added).</summary>
    public RedisEmitter Of(string nsp)
    {
        ArgumentNullException.ThrowIfNull(nsp);
        return new RedisEmitter(_core, nsp.StartsWith('/') ? nsp : "/" + nsp);
    }

    /// <summary>Targets rooms (Node: <c>emitter.to(room | rooms)</c>).</summary>
    public RedisEmitterBroadcastOperator To(params string[] rooms) => NewOperator().To(rooms);

    /// <summary>Targets rooms (Node: <c>emitter.in(room | rooms)</c>).</summary>
    public RedisEmitterBroadcastOperator In(params string[] rooms) => NewOperator().In(rooms);

    /// <summary>Excludes the sockets in rooms (Node: <c>emitter.except(room | rooms)</c>).</summary>
    public RedisEmitterBroadcastOperator Except(params string[] rooms) => NewOperator().Except(rooms);

    /// <summary>The next emit may be dropped for clients that are not ready (Node: <c>emitter.volatile</c>).</summary>
    public RedisEmitterBroadcastOperator Volatile => NewOperator().Volatile;

    /// <summary>Sets the compress flag (Node: <c>emitter.compress(bool)</c>).</summary>
    public RedisEmitterBroadcastOperator Compress(bool compress) => NewOperator().Compress(compress);

    /// <summary>
    /// Publishes an event to every client of the namespace on every server (Node: <c>emitter.emit(ev, ...args)</c>);
    /// reserved names throw <see cref="ArgumentException"/>, as in Node.
    /// </summary>
    public Task EmitAsync(string eventName, params object?[] args) => NewOperator().EmitAsync(eventName, args);

    /// <summary>As <see cref="EmitAsync(string, object?[])"/>, with a token that cancels the wait for Redis.</summary>
    public Task EmitAsync(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken) =>
        NewOperator().EmitAsync(eventName, args, cancellationToken);

    /// <summary>Makes every socket of the namespace join rooms (Node: <c>emitter.socketsJoin(rooms)</c>).</summary>
    public Task SocketsJoinAsync(params string[] rooms) => NewOperator().SocketsJoinAsync(rooms);

    /// <summary>As <see cref="SocketsJoinAsync(string[])"/>, cancellable.</summary>
    public Task SocketsJoinAsync(IReadOnlyList<string> rooms, CancellationToken cancellationToken) => NewOperator().SocketsJoinAsync(rooms, cancellationToken);

    /// <summary>Makes every socket of the namespace leave rooms (Node: <c>emitter.socketsLeave(rooms)</c>).</summary>
    public Task SocketsLeaveAsync(params string[] rooms) => NewOperator().SocketsLeaveAsync(rooms);

    /// <summary>As <see cref="SocketsLeaveAsync(string[])"/>, cancellable.</summary>
    public Task SocketsLeaveAsync(IReadOnlyList<string> rooms, CancellationToken cancellationToken) => NewOperator().SocketsLeaveAsync(rooms, cancellationToken);

    /// <summary>Disconnects every socket of the namespace (Node: <c>emitter.disconnectSockets(close)</c>).</summary>
    public Task DisconnectSocketsAsync(bool close = false, CancellationToken cancellationToken = default) =>
        NewOperator().DisconnectSocketsAsync(close, cancellationToken);

    /// <summary>
    /// Sends an event to every server of the namespace (Node: <c>emitter.serverSideEmit(ev, ...args)</c>): their
    /// server-side listeners run (<c>nsp.OnServerSideEmit</c>). No acks: a delegate as the last argument throws
    /// <see cref="NotSupportedException"/>, as Node's emitter refuses a callback. The names socket.io reserves for a
    /// namespace (<c>connect</c>, <c>connection</c>, <c>new_namespace</c>) throw <see cref="ArgumentException"/>, as
    /// <c>nsp.serverSideEmit</c> does; Node's emitter publishes them, and a Node server then calls its
    /// <c>connection</c> listeners with the arguments in place of a socket.
    /// </summary>
    public Task ServerSideEmitAsync(string eventName, params object?[] args) => ServerSideEmitAsync(eventName, args, CancellationToken.None);

    /// <summary>As <see cref="ServerSideEmitAsync(string, object?[])"/>, with a token that cancels the wait for Redis.</summary>
    public Task ServerSideEmitAsync(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count > 0 && args[^1] is Delegate)
        {
            throw new NotSupportedException("Acknowledgements are not supported");
        }

        if (eventName is "connect" or "connection" or "new_namespace")
        {
            throw new ArgumentException($"\"{eventName}\" is a reserved event name", nameof(eventName));
        }

        return _core.PublishAsync(EmitterWireFormat.ServerSideEmit(_channels, _core.Args.ToEventArray(eventName, args)), cancellationToken);
    }

    private RedisEmitterBroadcastOperator NewOperator() => new(_core, _channels);

    private static Func<WireMessage, Task> PublisherOf(RedisConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return message => connection.PublishAsync(RedisChannel.Literal(message.Channel), message.Payload);
    }
}
