using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Redis.Codec;
using SocketIo.Server.Protocol.Msgpack;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.Redis;

/// <summary>
/// Every message a Node server published in the golden captures is rebuilt the way a .NET node builds the same
/// operation (ClusterMessages → ClassicWireFormat / ShardedWireFormat, from the operation's values, not from the
/// captured bytes) and must come out on the same channel with the same bytes (redis-wire §12).
/// </summary>
[TestFixture]
public sealed class RedisWireFormatTests
{
    /// <summary>Runs whose messages come from Node adapter servers (not hand-written peers, not the emitter).</summary>
    private static readonly string[] ClassicRuns = ["classic-redis4/", "classic-ioredis5/", "classic-specific-response-channel-redis4/", "classic-misc-redis4/"];

    private static readonly Dictionary<string, ShardedSubscriptionMode> ShardedRuns = new()
    {
        ["sharded-dynamic-redis4/"] = ShardedSubscriptionMode.Dynamic,
        ["sharded-static-redis4/"] = ShardedSubscriptionMode.Static,
        ["sharded-dynamic-private-redis4/"] = ShardedSubscriptionMode.DynamicPrivate,
    };

    /// <summary>
    /// Messages a .NET node cannot produce byte-identically, each with the reason. Everything else must match.
    /// </summary>
    private static readonly Dictionary<string, string> Differences = new()
    {
        // Node writes the flags in the order the user chained them; .NET writes volatile, compress, timeout, expectSingleResponse.
        ["classic-redis4/05-flags-volatile-compress-local.json#2"] = "flags chained as compress(true).volatile",
        // A JS room can be the number 42 and stays a msgpack integer; .NET rooms are strings ("42"), which Node also accepts.
        ["classic-redis4/09-numeric-room.json#0"] = "numeric room",
        ["classic-ioredis5/09-numeric-room.json#0"] = "numeric room",
        // fetchSockets answers listing a socket that joined the numeric room 42 (see above).
        ["classic-redis4/12-fetchSockets.json#1"] = "numeric room in a socket's rooms",
        ["classic-redis4/12-fetchSockets.json#3"] = "numeric room in a socket's rooms",
        ["classic-redis4/22-request-timeout-extra-subscriber.json#1"] = "numeric room in a socket's rooms",
    };

    private static IEnumerable<TestCaseData> NodeMessages()
    {
        if (RedisCaptures.Directory is null)
        {
            yield return new TestCaseData(null).SetName("captures are missing");
            yield break;
        }

        foreach (var message in RedisCaptures.LoadMessages())
        {
            var isClassic = ClassicRuns.Any(r => message.Key.StartsWith(r, StringComparison.Ordinal));
            var isSharded = ShardedRuns.Keys.Any(r => message.Key.StartsWith(r, StringComparison.Ordinal));
            if ((isClassic || isSharded) && !message.Key.Contains("emitter", StringComparison.Ordinal) && !message.Key.Contains("legacy", StringComparison.Ordinal)
                && !IsRequestDotnetNeverSends(message))
            {
                yield return new TestCaseData(message).SetName(message.Key);
            }
        }
    }

    /// <summary>SOCKETS (0) and ALL_ROOMS (1) requests: Node 8.x only answers SOCKETS, and neither is on io's API; .NET answers both, sends neither.</summary>
    private static bool IsRequestDotnetNeverSends(CapturedMessage message) =>
        message.Channel.Contains("-request#", StringComparison.Ordinal)
        && ClusterPayload.TryDecode(message.Payload, out var value)
        && value?["type"] is { Type: JTokenType.Integer } type
        && (long)type is 0 or 1;

    [TestCaseSource(nameof(NodeMessages))]
    public void A_dotnet_node_writes_the_same_bytes(CapturedMessage? captured)
    {
        Assert.That(captured, Is.Not.Null, RedisCaptures.NotFoundMessage);
        var rebuilt = captured!.Command == "SPUBLISH" ? RebuildSharded(captured) : RebuildClassic(captured);
        Assert.That(rebuilt, Is.Not.Null, "a message kind .NET never produces: " + captured.Channel);
        if (Differences.TryGetValue(captured.Key, out var reason))
        {
            Assert.That(rebuilt!.Value.Payload, Is.Not.EqualTo(captured.Payload), $"listed as different ({reason}) but identical: remove it from the list");
            return;
        }

        Assert.Multiple(() =>
        {
            Assert.That(rebuilt!.Value.Channel, Is.EqualTo(captured.Channel));
            Assert.That(Convert.ToHexString(rebuilt.Value.Payload), Is.EqualTo(Convert.ToHexString(captured.Payload)));
        });
    }

    private static JToken Decode(byte[] payload)
    {
        Assert.That(ClusterPayload.TryDecode(payload, out var value), Is.True, "captured payload decodes");
        return value!;
    }

    private static BroadcastOptions Options(JToken? opts) => ClusterFormats.OptionsFromJson(opts);

    private static WireMessage? RebuildClassic(CapturedMessage captured)
    {
        var channel = captured.Channel;
        var hash = channel.IndexOf('#', StringComparison.Ordinal);
        var prefix = channel[..hash];
        var nsp = channel[(hash + 1)..channel.IndexOf('#', hash + 1)];
        var value = captured.Encoding == "msgpack" && !prefix.EndsWith("-request", StringComparison.Ordinal) && !prefix.EndsWith("-response", StringComparison.Ordinal)
            ? DecodeMsgpack(captured.Payload)
            : Decode(captured.Payload);
        var key = prefix.EndsWith("-request", StringComparison.Ordinal) ? prefix[..^"-request".Length]
            : prefix.EndsWith("-response", StringComparison.Ordinal) ? prefix[..^"-response".Length]
            : prefix;
        var channels = new RedisChannels(key, nsp);

        if (value is JArray { Count: 3 } broadcast)
        {
            // [uid, packet, opts]: io.to(...).emit(...) on a Node server.
            var uid = (string)broadcast[0]!;
            var packet = ClusterFormats.PacketFromJson(broadcast[1], nsp)!;
            return ClassicWireFormat.Encode(channels, uid, ClusterMessages.Broadcast(uid, nsp, packet, Options(broadcast[2])));
        }

        var obj = (JObject)value;
        var requestId = obj.Value<string>("requestId");
        if (prefix.EndsWith("-request", StringComparison.Ordinal))
        {
            var uid = obj.Value<string>("uid")!;
            var options = Options(obj["opts"]);
            return obj.Value<int>("type") switch
            {
                7 => ClassicWireFormat.Encode(channels, uid, ClusterMessages.Broadcast(uid, nsp, ClusterFormats.PacketFromJson(obj["packet"], nsp)!, options, requestId)),
                2 or 3 => ClassicWireFormat.Encode(channels, uid, ClusterMessages.SocketsJoinOrLeave(uid, nsp, obj.Value<int>("type") == 2, options, ClusterFormats.RoomSet(obj["rooms"]))),
                4 => ClassicWireFormat.Encode(channels, uid, ClusterMessages.DisconnectSockets(uid, nsp, options, obj.Value<bool>("close"))),
                5 => ClassicWireFormat.Encode(channels, uid, ClusterMessages.FetchSockets(uid, nsp, options, requestId!)),
                6 => ClassicWireFormat.Encode(channels, uid, ClusterMessages.ServerSideEmit(uid, nsp, (JArray)obj["data"]!, requestId)),
                _ => null,
            };
        }

        // A response: the specific channel names the requester.
        var specific = channel.Length > channels.Response.Length;
        var requester = specific ? channel[channels.Response.Length..^1] : string.Empty;
        var response = (obj.Value<int?>("type"), obj) switch
        {
            (8, _) => ClusterMessages.BroadcastClientCount("x", nsp, requestId!, obj.Value<int>("clientCount")),
            (9, _) => ClusterMessages.BroadcastAck("x", nsp, requestId!, obj["packet"]),
            (6, _) => ClusterMessages.ServerSideEmitResponse("x", nsp, requestId!, obj["data"]),
            (null, _) when obj["sockets"] is JArray sockets => ClusterMessages.FetchSocketsResponse("x", nsp, requestId!, sockets.Select(s => ClusterFormats.SocketFromJson(s)!)),
            _ => null,
        };
        if (response is null && obj["rooms"] is JArray rooms)
        {
            // ALL_ROOMS answer, written as RedisAdapter answers it.
            return ClassicWireFormat.Json(specific ? channels.SpecificResponse(requester) : channels.Response, new JObject { ["requestId"] = requestId, ["rooms"] = rooms });
        }

        return response is null ? null : ClassicWireFormat.EncodeResponse(channels, specific, requester, response);
    }

    private static JToken DecodeMsgpack(byte[] payload)
    {
        Assert.That(NotepackReader.TryDecode(payload, out var value, out var error), Is.True, error);
        return value!;
    }

    private static WireMessage? RebuildSharded(CapturedMessage captured)
    {
        var mode = ShardedRuns.First(r => captured.Key.StartsWith(r.Key, StringComparison.Ordinal)).Value;
        var message = ShardedWireFormat.Decode(captured.Payload);
        Assert.That(message, Is.Not.Null, "captured envelope decodes");
        var m = message!;
        var channels = new RedisChannels(captured.Channel[..captured.Channel.IndexOf('#', StringComparison.Ordinal)], m.Nsp);
        var data = m.Data ?? new JObject();
        var uid = m.Uid!;
        var requestId = m.RequestId;
        ClusterMessage? rebuilt = m.Type switch
        {
            ClusterMessageType.Broadcast => ClusterMessages.Broadcast(uid, m.Nsp, ClusterFormats.PacketFromJson(data["packet"], m.Nsp)!, Options(data["opts"]), requestId),
            ClusterMessageType.SocketsJoin or ClusterMessageType.SocketsLeave =>
                ClusterMessages.SocketsJoinOrLeave(uid, m.Nsp, m.Type == ClusterMessageType.SocketsJoin, Options(data["opts"]), ClusterFormats.RoomSet(data["rooms"])),
            ClusterMessageType.DisconnectSockets => ClusterMessages.DisconnectSockets(uid, m.Nsp, Options(data["opts"]), data.Value<bool>("close")),
            ClusterMessageType.FetchSockets => ClusterMessages.FetchSockets(uid, m.Nsp, Options(data["opts"]), requestId!),
            ClusterMessageType.FetchSocketsResponse => ClusterMessages.FetchSocketsResponse(uid, m.Nsp, requestId!, ((JArray)data["sockets"]!).Select(s => ClusterFormats.SocketFromJson(s)!)),
            ClusterMessageType.ServerSideEmit => ClusterMessages.ServerSideEmit(uid, m.Nsp, (JArray)data["packet"]!, requestId),
            ClusterMessageType.ServerSideEmitResponse => ClusterMessages.ServerSideEmitResponse(uid, m.Nsp, requestId!, data["packet"]),
            ClusterMessageType.BroadcastClientCount => ClusterMessages.BroadcastClientCount(uid, m.Nsp, requestId!, data.Value<int>("clientCount")),
            ClusterMessageType.BroadcastAck => ClusterMessages.BroadcastAck(uid, m.Nsp, requestId!, data["packet"]),
            _ => null,
        };
        if (rebuilt is null)
        {
            return null;
        }

        var isResponse = m.Type is ClusterMessageType.FetchSocketsResponse or ClusterMessageType.ServerSideEmitResponse
            or ClusterMessageType.BroadcastClientCount or ClusterMessageType.BroadcastAck;
        var channel = isResponse ? captured.Channel : ShardedWireFormat.ChannelFor(channels, mode, rebuilt);
        return new WireMessage(channel, ShardedWireFormat.Encode(rebuilt));
    }
}
