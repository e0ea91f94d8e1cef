using Newtonsoft.Json.Linq;
using SocketIo.Redis.Codec;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Redis;

/// <summary>
/// How the sharded adapter writes cluster messages (redis-wire §7–§8): the envelope <c>{type, data, uid, nsp}</c>,
/// msgpack only when a binary-capable type carries binary; pure, for byte comparisons with the captures.
/// </summary>
internal static class ShardedWireFormat
{
    /// <summary>The envelope bytes of a message.</summary>
    public static byte[] Encode(ClusterMessage message)
    {
        var envelope = new JObject { ["type"] = (int)message.Type };
        if (message.Data is not null)
        {
            envelope["data"] = message.Data;
        }

        envelope["uid"] = message.Uid;
        envelope["nsp"] = message.Nsp;
        var binaryCapable = message.Type is ClusterMessageType.Broadcast or ClusterMessageType.BroadcastAck
            or ClusterMessageType.FetchSocketsResponse or ClusterMessageType.ServerSideEmit or ClusterMessageType.ServerSideEmitResponse;
        return binaryCapable && message.Data is not null && ClusterPayload.ContainsBinary(message.Data)
            ? Notepack.Encode(envelope)
            : JsJson.Serialize(envelope);
    }

    /// <summary>The channel of a message to every node (sharded-adapter.ts computeChannel, §7.3).</summary>
    public static string ChannelFor(RedisChannels channels, ShardedSubscriptionMode mode, ClusterMessage message)
    {
        if (message.Type != ClusterMessageType.Broadcast || message.RequestId is not null || mode == ShardedSubscriptionMode.Static)
        {
            return channels.BroadcastBase;
        }

        var rooms = ClusterFormats.RoomSet(message.Data?["opts"]?["rooms"]);
        if (rooms.Count != 1)
        {
            return channels.BroadcastBase;
        }

        var room = rooms.First();
        // Dynamic mode: a room that looks like a socket id (20 characters) goes to the main channel.
        return mode == ShardedSubscriptionMode.Dynamic && room.Length == 20 ? channels.BroadcastBase : channels.Room(room);
    }

    /// <summary>Decodes an envelope; null when it is not one (no integer type, no nsp, garbage).</summary>
    public static ClusterMessage? Decode(ReadOnlyMemory<byte> payload)
    {
        if (!ClusterPayload.TryDecode(payload, out var value) || value is not JObject envelope
            || envelope["type"] is not { Type: JTokenType.Integer } type
            || envelope["nsp"] is not { Type: JTokenType.String } nsp)
        {
            return null;
        }

        return new ClusterMessage(
            (ClusterMessageType)(int)(long)type,
            envelope["data"] as JObject,
            envelope["uid"] is { Type: JTokenType.String } uid ? (string)uid! : null,
            (string)nsp!);
    }
}
