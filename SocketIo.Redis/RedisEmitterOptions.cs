using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Redis;

/// <summary>Options of <see cref="RedisEmitter"/> (Node: the <c>opts</c> of <c>new Emitter(redisClient, opts)</c>). Read once, by the constructor.</summary>
public sealed class RedisEmitterOptions
{
    /// <summary>The channel prefix, the servers' adapter <c>Key</c> (Node: <c>key</c>, default <c>socket.io</c>).</summary>
    public string Key { get; set; } = "socket.io";

    /// <summary>
    /// Encodes a broadcast, the array <c>["emitter", packet, opts]</c> (Node: <c>parser</c>, an object with <c>encode</c>;
    /// default notepack.io's msgpack, <see cref="Notepack.Encode"/>). Requests (join, leave, disconnect,
    /// serverSideEmit) are JSON whatever it is, as in Node. It must be the parser of the servers' adapters: SocketIoNet's
    /// <see cref="RedisAdapter"/> always reads notepack's msgpack, so set it only for Node servers whose
    /// <c>createAdapter</c> was given the same custom <c>parser</c>.
    /// </summary>
    public Func<JToken, byte[]> Parser { get; set; } = Notepack.Encode;

    /// <summary>
    /// How .NET arguments become JSON values (the server's <c>SocketIoOptions.JsonSerializerSettings</c>; null:
    /// Newtonsoft's defaults). Binary values (<c>byte[]</c>, <c>ReadOnlyMemory&lt;byte&gt;</c>, <c>Memory&lt;byte&gt;</c>,
    /// <c>ArraySegment&lt;byte&gt;</c>) stay binary at any depth, as Node Buffers do.
    /// </summary>
    public JsonSerializerSettings? JsonSerializerSettings { get; set; }
}
