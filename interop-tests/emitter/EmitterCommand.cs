using Newtonsoft.Json.Linq;
using SocketIo.Redis;

namespace SocketIo.InteropEmitter;

/// <summary>
/// One command of the tool: <c>{"id", "nsp"?, "to"?: [rooms], "except"?: [rooms], "volatile"?: true,
/// "compress"?: bool, "op", …}</c> with <c>op</c> one of <c>emit</c> (<c>event</c>, <c>args</c>), <c>socketsJoin</c> /
/// <c>socketsLeave</c> (<c>rooms</c>), <c>disconnectSockets</c> (<c>close</c>), <c>serverSideEmit</c> (<c>event</c>,
/// <c>args</c>). Arguments are JSON with binary as <c>{"$bin": hex}</c>. The modifiers apply in the order listed.
/// </summary>
internal static class EmitterCommand
{
    public static Task RunAsync(RedisEmitter root, JObject command)
    {
        var emitter = command["nsp"] is { Type: JTokenType.String } nsp ? root.Of((string)nsp!) : root;
        RedisEmitterBroadcastOperator? target = null;
        if (command["to"] is JArray to)
        {
            target = emitter.To(Rooms(to));
        }

        if (command["except"] is JArray except)
        {
            target = target is null ? emitter.Except(Rooms(except)) : target.Except(Rooms(except));
        }

        if (command["volatile"] is { Type: JTokenType.Boolean } v && (bool)v)
        {
            target = target is null ? emitter.Volatile : target.Volatile;
        }

        if (command["compress"] is { Type: JTokenType.Boolean } c)
        {
            target = target is null ? emitter.Compress((bool)c) : target.Compress((bool)c);
        }

        var name = (string?)command["event"] ?? string.Empty;
        var args = command["args"] is JArray list ? list.Select(Untag).Cast<object?>().ToArray() : [];
        var rooms = command["rooms"] is JArray r ? Rooms(r) : [];
        var close = command["close"] is { Type: JTokenType.Boolean } cl && (bool)cl;
        return ((string?)command["op"], target) switch
        {
            ("emit", null) => emitter.EmitAsync(name, args),
            ("emit", { } t) => t.EmitAsync(name, args),
            ("socketsJoin", null) => emitter.SocketsJoinAsync(rooms),
            ("socketsJoin", { } t) => t.SocketsJoinAsync(rooms),
            ("socketsLeave", null) => emitter.SocketsLeaveAsync(rooms),
            ("socketsLeave", { } t) => t.SocketsLeaveAsync(rooms),
            ("disconnectSockets", null) => emitter.DisconnectSocketsAsync(close),
            ("disconnectSockets", { } t) => t.DisconnectSocketsAsync(close),
            ("serverSideEmit", null) => emitter.ServerSideEmitAsync(name, args),
            (var op, _) => throw new ArgumentException($"unknown or unsupported op {op ?? "(none)"}", nameof(command)),
        };
    }

    private static string[] Rooms(JArray rooms) => rooms.Select(r => (string)r!).ToArray();

    private static JToken Untag(JToken token) => token switch
    {
        JObject o when o.Count == 1 && o["$bin"] is { Type: JTokenType.String } hex => new JValue(Convert.FromHexString((string)hex!)),
        JObject o => new JObject(o.Properties().Select(p => new JProperty(p.Name, Untag(p.Value)))),
        JArray a => new JArray(a.Select(Untag)),
        _ => token,
    };
}
