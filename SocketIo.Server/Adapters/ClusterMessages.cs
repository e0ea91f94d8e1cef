using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Server.Adapters;

/// <summary>
/// Builds the cluster messages of socket.io-adapter (cluster-adapter.ts, redis-wire §8.2) with Node's field order,
/// so that every transport writes what a Node server would write for the same operation.
/// </summary>
public static class ClusterMessages
{
    /// <summary>BROADCAST <c>{packet, opts}</c>, or <c>{packet, requestId, opts}</c> when acks are expected. The packet carries no nsp and no id.</summary>
    public static ClusterMessage Broadcast(string uid, string nsp, SocketIoPacket packet, BroadcastOptions options, string? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var data = new JObject { ["packet"] = ClusterFormats.PacketToJson(packet with { Id = null }, includeNamespace: false) };
        if (requestId is not null)
        {
            data["requestId"] = requestId;
        }

        data["opts"] = ClusterFormats.OptionsToJson(options);
        return new ClusterMessage(ClusterMessageType.Broadcast, data, uid, nsp);
    }

    /// <summary>SOCKETS_JOIN or SOCKETS_LEAVE <c>{opts, rooms}</c>.</summary>
    public static ClusterMessage SocketsJoinOrLeave(string uid, string nsp, bool join, BroadcastOptions options, IEnumerable<string> rooms) =>
        new(join ? ClusterMessageType.SocketsJoin : ClusterMessageType.SocketsLeave,
            new JObject { ["opts"] = ClusterFormats.OptionsToJson(options), ["rooms"] = new JArray(rooms) },
            uid,
            nsp);

    /// <summary>DISCONNECT_SOCKETS <c>{opts, close}</c>.</summary>
    public static ClusterMessage DisconnectSockets(string uid, string nsp, BroadcastOptions options, bool close) =>
        new(ClusterMessageType.DisconnectSockets, new JObject { ["opts"] = ClusterFormats.OptionsToJson(options), ["close"] = close }, uid, nsp);

    /// <summary>FETCH_SOCKETS <c>{opts, requestId}</c>.</summary>
    public static ClusterMessage FetchSockets(string uid, string nsp, BroadcastOptions options, string requestId) =>
        new(ClusterMessageType.FetchSockets, new JObject { ["opts"] = ClusterFormats.OptionsToJson(options), ["requestId"] = requestId }, uid, nsp);

    /// <summary>FETCH_SOCKETS_RESPONSE <c>{requestId, sockets}</c>.</summary>
    public static ClusterMessage FetchSocketsResponse(string uid, string nsp, string requestId, IEnumerable<SocketDetails> sockets) =>
        new(ClusterMessageType.FetchSocketsResponse,
            new JObject { ["requestId"] = requestId, ["sockets"] = new JArray(sockets.Select(ClusterFormats.SocketToJson)) },
            uid,
            nsp);

    /// <summary>SERVER_SIDE_EMIT <c>{packet}</c>, or <c>{requestId, packet}</c> when answers are expected.</summary>
    public static ClusterMessage ServerSideEmit(string uid, string nsp, JArray args, string? requestId = null)
    {
        var data = new JObject();
        if (requestId is not null)
        {
            data["requestId"] = requestId;
        }

        data["packet"] = args;
        return new ClusterMessage(ClusterMessageType.ServerSideEmit, data, uid, nsp);
    }

    /// <summary>SERVER_SIDE_EMIT_RESPONSE <c>{requestId, packet}</c>.</summary>
    public static ClusterMessage ServerSideEmitResponse(string uid, string nsp, string requestId, JToken? value) =>
        new(ClusterMessageType.ServerSideEmitResponse, new JObject { ["requestId"] = requestId, ["packet"] = value }, uid, nsp);

    /// <summary>BROADCAST_CLIENT_COUNT <c>{requestId, clientCount}</c>.</summary>
    public static ClusterMessage BroadcastClientCount(string uid, string nsp, string requestId, int clientCount) =>
        new(ClusterMessageType.BroadcastClientCount, new JObject { ["requestId"] = requestId, ["clientCount"] = clientCount }, uid, nsp);

    /// <summary>BROADCAST_ACK <c>{requestId, packet}</c>.</summary>
    public static ClusterMessage BroadcastAck(string uid, string nsp, string requestId, JToken? value) =>
        new(ClusterMessageType.BroadcastAck, new JObject { ["requestId"] = requestId, ["packet"] = value }, uid, nsp);
}
