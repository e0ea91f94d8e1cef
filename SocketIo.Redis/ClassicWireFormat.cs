using Newtonsoft.Json.Linq;
using SocketIo.Redis.Codec;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Redis;

/// <summary>
/// How the classic adapter writes cluster messages (redis-wire §4, §5): pure, so the bytes a .NET node produces can be
/// compared with the captured bytes of Node servers.
/// </summary>
internal static class ClassicWireFormat
{
    /// <summary>The publication for a message to every node, or null for messages the classic protocol has no form for.</summary>
    public static WireMessage? Encode(RedisChannels channels, string uid, ClusterMessage message)
    {
        var data = message.Data ?? new JObject();
        switch (message.Type)
        {
            case ClusterMessageType.Broadcast when message.RequestId is null:
            {
                // [uid, packet (with nsp), opts] in msgpack, on the room channel when there is exactly one room (§4.2–4.3).
                var rooms = ClusterFormats.RoomSet(data["opts"]?["rooms"]);
                var payload = new JArray(uid, WithNamespace(data["packet"], channels.Namespace), data["opts"] ?? new JObject());
                var channel = rooms.Count == 1 ? channels.Room(rooms.First()) : channels.BroadcastBase;
                return new WireMessage(channel, Notepack.Encode(payload));
            }

            case ClusterMessageType.Broadcast:
                // BROADCAST (7), msgpack, always on the request channel (§5.2).
                return new WireMessage(channels.Request, Notepack.Encode(new JObject
                {
                    ["uid"] = uid,
                    ["requestId"] = message.RequestId,
                    ["type"] = ClassicRequestType.Broadcast,
                    ["packet"] = WithNamespace(data["packet"], channels.Namespace),
                    ["opts"] = data["opts"],
                }));
            case ClusterMessageType.SocketsJoin:
            case ClusterMessageType.SocketsLeave:
                return Json(channels.Request, new JObject
                {
                    ["uid"] = uid,
                    ["type"] = message.Type == ClusterMessageType.SocketsJoin ? ClassicRequestType.RemoteJoin : ClassicRequestType.RemoteLeave,
                    ["opts"] = RoomsAndExcept(data["opts"]),
                    ["rooms"] = data["rooms"],
                });
            case ClusterMessageType.DisconnectSockets:
                return Json(channels.Request, new JObject
                {
                    ["uid"] = uid,
                    ["type"] = ClassicRequestType.RemoteDisconnect,
                    ["opts"] = RoomsAndExcept(data["opts"]),
                    ["close"] = data["close"],
                });
            case ClusterMessageType.FetchSockets:
                return Json(channels.Request, new JObject
                {
                    ["uid"] = uid,
                    ["requestId"] = message.RequestId,
                    ["type"] = ClassicRequestType.RemoteFetch,
                    ["opts"] = RoomsAndExcept(data["opts"]),
                });
            case ClusterMessageType.ServerSideEmit:
            {
                var request = new JObject { ["uid"] = uid };
                if (message.RequestId is { } id)
                {
                    request["requestId"] = id;
                }

                request["type"] = ClassicRequestType.ServerSideEmit;
                request["data"] = data["packet"];
                return Json(channels.Request, request);
            }

            default:
                return null;
        }
    }

    /// <summary>The publication answering <paramref name="requesterUid"/>, on the shared or the requester's response channel (§5.3).</summary>
    public static WireMessage? EncodeResponse(RedisChannels channels, bool specificChannel, string requesterUid, ClusterMessage response)
    {
        var data = response.Data ?? new JObject();
        var channel = specificChannel && !string.IsNullOrEmpty(requesterUid) ? channels.SpecificResponse(requesterUid) : channels.Response;
        return response.Type switch
        {
            ClusterMessageType.FetchSocketsResponse => Json(channel, new JObject { ["requestId"] = data["requestId"], ["sockets"] = data["sockets"] }),
            // Always the shared channel, whatever publishOnSpecificResponseChannel says (redis-wire §11 item 2).
            ClusterMessageType.ServerSideEmitResponse => Json(channels.Response, new JObject
            {
                ["type"] = ClassicRequestType.ServerSideEmit,
                ["requestId"] = data["requestId"],
                ["data"] = data["packet"],
            }),
            ClusterMessageType.BroadcastClientCount => Json(channel, new JObject
            {
                ["type"] = ClassicRequestType.BroadcastClientCount,
                ["requestId"] = data["requestId"],
                ["clientCount"] = data["clientCount"],
            }),
            ClusterMessageType.BroadcastAck => new WireMessage(channel, Notepack.Encode(new JObject
            {
                ["type"] = ClassicRequestType.BroadcastAck,
                ["requestId"] = data["requestId"],
                ["packet"] = data["packet"],
            })),
            _ => null,
        };
    }

    /// <summary>A JSON message (JSON.stringify bytes).</summary>
    public static WireMessage Json(string channel, JObject message) => new(channel, JsJson.Serialize(message));

    private static JObject WithNamespace(JToken? packet, string nsp)
    {
        var result = packet is JObject obj ? (JObject)obj.DeepClone() : new JObject();
        result["nsp"] = nsp;
        return result;
    }

    /// <summary>Classic requests carry <c>{rooms, except}</c> only (§5.2).</summary>
    private static JObject RoomsAndExcept(JToken? opts) => new()
    {
        ["rooms"] = opts?["rooms"] ?? new JArray(),
        ["except"] = opts?["except"] ?? new JArray(),
    };
}
