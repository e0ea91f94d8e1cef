using Newtonsoft.Json.Linq;
using SocketIo.Redis.Codec;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Redis;

/// <summary>The classic adapter's inbound side: Node's onmessage / onrequest / onresponse (redis-adapter index.ts).</summary>
public sealed partial class RedisAdapter
{
    /// <summary>A message on <c>P#N#*</c>: a broadcast <c>[uid, packet, opts]</c> (redis-wire §4.4).</summary>
    private Task OnBroadcastMessageAsync(string channel, byte[] payload)
    {
        if (_channels.RoomOf(channel) is not { } room)
        {
            return Task.CompletedTask;
        }

        // A room channel of a room nobody here is in is dropped before decoding (redis-adapter onmessage).
        if (room.Length > 0 && RoomSize(room) == 0)
        {
            return Task.CompletedTask;
        }

        // The broadcast channel is always msgpack, no 0x7B test.
        if (!Notepack.TryDecode(payload, out var value, out var error))
        {
            LogBadMessage(Logger, channel, error ?? "undecodable msgpack");
            return Task.CompletedTask;
        }

        if (value is not JArray { Count: >= 3 } array || array[0].Type != JTokenType.String || array[1] is not JObject packet || array[2] is not JObject opts)
        {
            LogBadMessage(Logger, channel, "not a [uid, packet, opts] broadcast");
            return Task.CompletedTask;
        }

        var nsp = packet["nsp"] is { Type: JTokenType.String } n ? (string)n! : "/";
        OnMessage(new ClusterMessage(ClusterMessageType.Broadcast, new JObject { ["packet"] = packet, ["opts"] = opts }, (string)array[0]!, nsp));
        return Task.CompletedTask;
    }

    /// <summary>A message on <c>P-request#N#</c> (redis-wire §5): JSON or msgpack by the 0x7B test.</summary>
    private Task OnRequestMessageAsync(string channel, byte[] payload)
    {
        if (!ClusterPayload.TryDecode(payload, out var value) || value is not JObject request || request["type"] is not { Type: JTokenType.Integer } typeToken)
        {
            // Malformed JSON, a string type, a missing type: ignored, as Node does (captures Q02–Q04, Q08).
            LogBadMessage(Logger, channel, "not a request");
            return Task.CompletedTask;
        }

        // Requests without uid (the emitter's join/leave/disconnect) are foreign by definition.
        var uid = request["uid"] is { Type: JTokenType.String } u ? (string)u! : string.Empty;
        var requestId = request["requestId"] is { Type: JTokenType.String } r ? (string)r! : null;
        var nsp = Namespace.Name;
        switch ((long)typeToken)
        {
            case ClassicRequestType.Sockets when requestId is not null && !IsOwnRequest(requestId):
                return AnswerSocketsAsync(uid, requestId, ClusterFormats.RoomSet(request["rooms"]));
            case ClassicRequestType.AllRooms when requestId is not null && !IsOwnRequest(requestId):
                return PublishJsonAsync(ResponseChannelFor(uid), new JObject { ["requestId"] = requestId, ["rooms"] = new JArray(Rooms.Keys) });
            case ClassicRequestType.RemoteJoin or ClassicRequestType.RemoteLeave when request["opts"] is JObject:
                OnMessage(new ClusterMessage(
                    (long)typeToken == ClassicRequestType.RemoteJoin ? ClusterMessageType.SocketsJoin : ClusterMessageType.SocketsLeave,
                    new JObject { ["opts"] = request["opts"], ["rooms"] = request["rooms"] },
                    uid,
                    nsp));
                return Task.CompletedTask;
            case ClassicRequestType.RemoteDisconnect when request["opts"] is JObject:
                OnMessage(new ClusterMessage(ClusterMessageType.DisconnectSockets, new JObject { ["opts"] = request["opts"], ["close"] = request["close"] }, uid, nsp));
                return Task.CompletedTask;
            case ClassicRequestType.RemoteJoin or ClassicRequestType.RemoteLeave or ClassicRequestType.RemoteDisconnect:
                return OnLegacySocketRequestAsync(uid, requestId, (int)(long)typeToken, request);
            case ClassicRequestType.RemoteFetch when requestId is not null && !IsOwnRequest(requestId):
                // Node crashes on a REMOTE_FETCH without opts (capture Q05); here it targets every socket, like empty opts.
                OnMessage(new ClusterMessage(ClusterMessageType.FetchSockets, new JObject { ["opts"] = request["opts"] ?? new JObject(), ["requestId"] = requestId }, uid, nsp));
                return Task.CompletedTask;
            case ClassicRequestType.ServerSideEmit when request["data"] is JArray args:
            {
                var data = new JObject { ["packet"] = args };
                if (requestId is not null)
                {
                    data["requestId"] = requestId;
                }

                OnMessage(new ClusterMessage(ClusterMessageType.ServerSideEmit, data, uid, nsp));
                return Task.CompletedTask;
            }

            case ClassicRequestType.Broadcast when requestId is not null && !IsOwnRequest(requestId) && request["packet"] is JObject packet:
                OnMessage(new ClusterMessage(
                    ClusterMessageType.Broadcast,
                    new JObject { ["packet"] = packet, ["requestId"] = requestId, ["opts"] = request["opts"] ?? new JObject() },
                    uid,
                    nsp));
                return Task.CompletedTask;
            default:
                // Own requests, unknown types, missing fields: ignored (redis-adapter onrequest).
                return Task.CompletedTask;
        }
    }

    /// <summary>The ≤ 7.x forms <c>{requestId, type, sid, room|close}</c>: the server that owns <c>sid</c> acts and answers <c>{requestId}</c>.</summary>
    private async Task OnLegacySocketRequestAsync(string uid, string? requestId, int type, JObject request)
    {
        if (request["sid"] is not { Type: JTokenType.String } sidToken)
        {
            return;
        }

        string[] sid = [(string)sidToken!];
        int found;
        switch (type)
        {
            case ClassicRequestType.RemoteJoin when ClusterFormats.RoomName(request["room"]) is { } room:
                found = await Namespace.JoinAsync(sid, [room]).ConfigureAwait(false);
                break;
            case ClassicRequestType.RemoteLeave when ClusterFormats.RoomName(request["room"]) is { } room:
                found = await Namespace.LeaveAsync(sid, [room]).ConfigureAwait(false);
                break;
            case ClassicRequestType.RemoteDisconnect:
                found = await Namespace.DisconnectAsync(sid, request["close"] is { Type: JTokenType.Boolean } c && (bool)c).ConfigureAwait(false);
                break;
            default:
                return;
        }

        // Only the server that owns the socket answers.
        if (found == 0)
        {
            return;
        }

        if (requestId is not null)
        {
            await PublishJsonAsync(ResponseChannelFor(uid), new JObject { ["requestId"] = requestId }).ConfigureAwait(false);
        }
    }

    private async Task AnswerSocketsAsync(string uid, string requestId, IReadOnlySet<string> rooms)
    {
        var ids = await SocketsAsync(rooms).ConfigureAwait(false);
        await PublishJsonAsync(ResponseChannelFor(uid), new JObject { ["requestId"] = requestId, ["sockets"] = new JArray(ids) }).ConfigureAwait(false);
    }

    private string ResponseChannelFor(string requesterUid) =>
        _options.PublishOnSpecificResponseChannel && requesterUid.Length > 0 ? _channels.SpecificResponse(requesterUid) : _channels.Response;

    /// <summary>A message on a response channel (redis-wire §5.3): matched to this node's pending request by requestId.</summary>
    private Task OnResponseMessageAsync(string channel, byte[] payload)
    {
        if (!ClusterPayload.TryDecode(payload, out var value) || value is not JObject response || response["requestId"] is not { Type: JTokenType.String } idToken)
        {
            LogBadMessage(Logger, channel, "not a response");
            return Task.CompletedTask;
        }

        var requestId = (string)idToken!;
        var pending = PendingRequestType(requestId);
        if (pending is null)
        {
            // Someone else's response on the shared channel.
            return Task.CompletedTask;
        }

        var type = response["type"] is { Type: JTokenType.Integer } t ? (long?)(long)t : null;
        var nsp = Namespace.Name;
        ClusterMessage? message = (pending, type) switch
        {
            (ClusterMessageType.Broadcast, ClassicRequestType.BroadcastClientCount) =>
                new ClusterMessage(ClusterMessageType.BroadcastClientCount, new JObject { ["requestId"] = requestId, ["clientCount"] = response["clientCount"] }, null, nsp),
            (ClusterMessageType.Broadcast, ClassicRequestType.BroadcastAck) =>
                new ClusterMessage(ClusterMessageType.BroadcastAck, new JObject { ["requestId"] = requestId, ["packet"] = response["packet"] }, null, nsp),
            (ClusterMessageType.FetchSockets, _) =>
                new ClusterMessage(ClusterMessageType.FetchSocketsResponse, new JObject { ["requestId"] = requestId, ["sockets"] = response["sockets"] }, null, nsp),
            (ClusterMessageType.ServerSideEmit, _) =>
                new ClusterMessage(ClusterMessageType.ServerSideEmitResponse, new JObject { ["requestId"] = requestId, ["packet"] = response["data"] }, null, nsp),
            _ => null,
        };
        if (message is not null)
        {
            OnResponse(message);
        }

        return Task.CompletedTask;
    }
}
