using Newtonsoft.Json.Linq;
using SocketIo.Redis.Emitter;

namespace SocketIo.Redis;

/// <summary>
/// The targets and flags of one emitter operation (Node: the <c>BroadcastOperator</c> of @socket.io/redis-emitter),
/// immutable: every modifier returns a new operator. Made by <see cref="RedisEmitter"/>'s <c>To</c>, <c>In</c>,
/// <c>Except</c>, <c>Volatile</c> and <c>Compress</c>.
/// </summary>
public sealed class RedisEmitterBroadcastOperator
{
    /// <summary>The names <c>emit</c> refuses (Node: the emitter's <c>RESERVED_EVENTS</c>, socket.io's socket-side list).</summary>
    private static readonly HashSet<string> ReservedEvents = new(StringComparer.Ordinal)
    {
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    };

    private readonly EmitterCore _core;
    private readonly RedisChannels _channels;
    // In insertion order without duplicates, as the JS Sets they stand for: the order is part of the published bytes.
    private readonly string[] _rooms;
    private readonly string[] _except;
    // In the order they were first set (Object.assign keeps a key where it first appeared): part of the bytes too.
    private readonly (string Name, bool Value)[] _flags;

    internal RedisEmitterBroadcastOperator(EmitterCore core, RedisChannels channels)
        : this(core, channels, [], [], [])
    {
    }

    private RedisEmitterBroadcastOperator(EmitterCore core, RedisChannels channels, string[] rooms, string[] except, (string Name, bool Value)[] flags)
    {
        _core = core;
        _channels = channels;
        _rooms = rooms;
        _except = except;
        _flags = flags;
    }

    /// <summary>Targets rooms, added to those already targeted (Node: <c>to(room | rooms)</c>).</summary>
    public RedisEmitterBroadcastOperator To(params string[] rooms) => new(_core, _channels, Union(_rooms, rooms), _except, _flags);

    /// <summary>Same as <see cref="To"/> (Node: <c>in(room | rooms)</c>).</summary>
    public RedisEmitterBroadcastOperator In(params string[] rooms) => To(rooms);

    /// <summary>Excludes the sockets in these rooms (Node: <c>except(room | rooms)</c>).</summary>
    public RedisEmitterBroadcastOperator Except(params string[] rooms) => new(_core, _channels, _rooms, Union(_except, rooms), _flags);

    /// <summary>Sets the compress flag (Node: <c>compress(bool)</c>).</summary>
    public RedisEmitterBroadcastOperator Compress(bool compress) => new(_core, _channels, _rooms, _except, WithFlag("compress", compress));

    /// <summary>The packet may be dropped for clients that are not ready to receive it (Node: <c>volatile</c>).</summary>
    public RedisEmitterBroadcastOperator Volatile => new(_core, _channels, _rooms, _except, WithFlag("volatile", true));

    /// <summary>
    /// Publishes an event to the targeted clients of every server of the namespace (Node: <c>emit(ev, ...args)</c>).
    /// Reserved names (<c>connect</c>, <c>connect_error</c>, <c>disconnect</c>, <c>disconnecting</c>,
    /// <c>newListener</c>, <c>removeListener</c>) throw <see cref="ArgumentException"/>, as in Node. No acks: Node's
    /// emitter has none.
    /// </summary>
    public Task EmitAsync(string eventName, params object?[] args) => EmitAsync(eventName, args, CancellationToken.None);

    /// <summary>As <see cref="EmitAsync(string, object?[])"/>, with a token that cancels the wait for Redis.</summary>
    public Task EmitAsync(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(args);
        if (ReservedEvents.Contains(eventName))
        {
            throw new ArgumentException($"\"{eventName}\" is a reserved event name", nameof(eventName));
        }

        var message = EmitterWireFormat.Broadcast(_channels, _core.Encode, _core.Args.ToEventArray(eventName, args), _rooms, _except, FlagsJson());
        return _core.PublishAsync(message, cancellationToken);
    }

    /// <summary>Makes the targeted sockets of every server join rooms (Node: <c>socketsJoin(rooms)</c>).</summary>
    public Task SocketsJoinAsync(params string[] rooms) => SocketsJoinAsync(rooms, CancellationToken.None);

    /// <summary>As <see cref="SocketsJoinAsync(string[])"/>, cancellable.</summary>
    public Task SocketsJoinAsync(IReadOnlyList<string> rooms, CancellationToken cancellationToken) => JoinOrLeaveAsync(join: true, rooms, cancellationToken);

    /// <summary>Makes the targeted sockets of every server leave rooms (Node: <c>socketsLeave(rooms)</c>).</summary>
    public Task SocketsLeaveAsync(params string[] rooms) => SocketsLeaveAsync(rooms, CancellationToken.None);

    /// <summary>As <see cref="SocketsLeaveAsync(string[])"/>, cancellable.</summary>
    public Task SocketsLeaveAsync(IReadOnlyList<string> rooms, CancellationToken cancellationToken) => JoinOrLeaveAsync(join: false, rooms, cancellationToken);

    /// <summary>
    /// Disconnects the targeted sockets of every server (Node: <c>disconnectSockets(close)</c>); <paramref name="close"/>
    /// also closes their underlying connections.
    /// </summary>
    public Task DisconnectSocketsAsync(bool close = false, CancellationToken cancellationToken = default) =>
        _core.PublishAsync(EmitterWireFormat.DisconnectSockets(_channels, _rooms, _except, close), cancellationToken);

    private Task JoinOrLeaveAsync(bool join, IReadOnlyList<string> rooms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        foreach (var room in rooms)
        {
            ArgumentNullException.ThrowIfNull(room, nameof(rooms));
        }

        // Sent as given, duplicates included (Node: Array.isArray(rooms) ? rooms : [rooms]).
        return _core.PublishAsync(EmitterWireFormat.SocketsJoinOrLeave(_channels, join, _rooms, _except, rooms), cancellationToken);
    }

    private static string[] Union(string[] current, string[] added)
    {
        ArgumentNullException.ThrowIfNull(added, "rooms");
        var result = new List<string>(current.Length + added.Length);
        result.AddRange(current);
        foreach (var room in added)
        {
            ArgumentNullException.ThrowIfNull(room, "rooms");
            if (!result.Contains(room, StringComparer.Ordinal))
            {
                result.Add(room);
            }
        }

        return [.. result];
    }

    private (string Name, bool Value)[] WithFlag(string name, bool value)
    {
        var index = Array.FindIndex(_flags, f => f.Name == name);
        if (index < 0)
        {
            return [.. _flags, (name, value)];
        }

        var copy = ((string Name, bool Value)[])_flags.Clone();
        copy[index] = (name, value);
        return copy;
    }

    private JObject FlagsJson()
    {
        var json = new JObject();
        foreach (var (name, value) in _flags)
        {
            json[name] = value;
        }

        return json;
    }
}
