using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Redis.Emitter;

/// <summary>
/// What @socket.io/redis-emitter 5.1.0 publishes (lib/index.ts; redis-wire §9), pure so that the bytes can be compared
/// with Node's: member order is part of the bytes, so every object here is built in the order Node builds it.
/// </summary>
internal static class EmitterWireFormat
{
    /// <summary>The fixed uid of every emitter (index.ts <c>UID</c>): no adapter uid (6 characters) can equal it.</summary>
    public const string Uid = "emitter";

    /// <summary>
    /// A broadcast: <c>parser.encode(["emitter", {type: 2, data, nsp}, {rooms, flags, except}])</c> on <c>P#N#room#</c>
    /// when there is exactly one room, else on <c>P#N#</c> (index.ts <c>BroadcastOperator.emit</c>). The packet is always
    /// EVENT (2), binary or not: each receiving server's encoder makes it a BINARY_EVENT for its clients (redis-wire §10.1).
    /// </summary>
    public static WireMessage Broadcast(RedisChannels channels, Func<JToken, byte[]> encode, JArray data, IReadOnlyList<string> rooms, IReadOnlyList<string> except, JObject flags)
    {
        var message = new JArray(
            Uid,
            new JObject
            {
                ["type"] = 2,
                ["data"] = data,
                ["nsp"] = channels.Namespace,
            },
            new JObject
            {
                ["rooms"] = new JArray(rooms),
                ["flags"] = flags,
                ["except"] = new JArray(except),
            });
        var payload = encode(message) ?? throw new InvalidOperationException("RedisEmitterOptions.Parser returned null.");
        var channel = rooms.Count == 1 ? channels.Room(rooms[0]) : channels.BroadcastBase;
        return new WireMessage(channel, payload);
    }

    /// <summary>
    /// REMOTE_JOIN (2) or REMOTE_LEAVE (3) <c>{type, opts: {rooms, except}, rooms}</c> in JSON on the request channel,
    /// without <c>uid</c> (index.ts <c>socketsJoin</c> / <c>socketsLeave</c>). The flags are not sent.
    /// </summary>
    public static WireMessage SocketsJoinOrLeave(RedisChannels channels, bool join, IReadOnlyList<string> rooms, IReadOnlyList<string> except, IReadOnlyList<string> targetRooms) =>
        Json(channels.Request, new JObject
        {
            ["type"] = join ? ClassicRequestType.RemoteJoin : ClassicRequestType.RemoteLeave,
            ["opts"] = Targets(rooms, except),
            ["rooms"] = new JArray(targetRooms),
        });

    /// <summary>REMOTE_DISCONNECT (4) <c>{type, opts: {rooms, except}, close}</c> in JSON, without <c>uid</c> (index.ts <c>disconnectSockets</c>).</summary>
    public static WireMessage DisconnectSockets(RedisChannels channels, IReadOnlyList<string> rooms, IReadOnlyList<string> except, bool close) =>
        Json(channels.Request, new JObject
        {
            ["type"] = ClassicRequestType.RemoteDisconnect,
            ["opts"] = Targets(rooms, except),
            ["close"] = close,
        });

    /// <summary>SERVER_SIDE_EMIT (6) <c>{uid: "emitter", type, data: [event, ...args]}</c> in JSON, never with a requestId (index.ts <c>serverSideEmit</c>).</summary>
    public static WireMessage ServerSideEmit(RedisChannels channels, JArray data) =>
        Json(channels.Request, new JObject
        {
            ["uid"] = Uid,
            ["type"] = ClassicRequestType.ServerSideEmit,
            ["data"] = data,
        });

    private static JObject Targets(IReadOnlyList<string> rooms, IReadOnlyList<string> except) => new()
    {
        ["rooms"] = new JArray(rooms),
        ["except"] = new JArray(except),
    };

    // JSON.stringify: Node Buffers become {"type":"Buffer","data":[…]}, as JsJson writes bytes.
    private static WireMessage Json(string channel, JObject message) => new(channel, JsJson.Serialize(message));
}
