namespace SocketIo.Server.Adapters;

/// <summary>The cluster message types of socket.io-adapter's <c>ClusterAdapter</c> (cluster-adapter.ts <c>MessageType</c>, redis-wire §8.2).</summary>
public enum ClusterMessageType
{
    /// <summary>Heartbeat adapters only.</summary>
    InitialHeartbeat = 1,
    /// <summary>Heartbeat adapters only.</summary>
    Heartbeat = 2,
    /// <summary><c>{packet, opts}</c>, plus <c>requestId</c> when acks are expected.</summary>
    Broadcast = 3,
    /// <summary><c>{opts, rooms}</c></summary>
    SocketsJoin = 4,
    /// <summary><c>{opts, rooms}</c></summary>
    SocketsLeave = 5,
    /// <summary><c>{opts, close}</c></summary>
    DisconnectSockets = 6,
    /// <summary><c>{opts, requestId}</c></summary>
    FetchSockets = 7,
    /// <summary><c>{requestId, sockets}</c></summary>
    FetchSocketsResponse = 8,
    /// <summary><c>{packet}</c> or <c>{requestId, packet}</c></summary>
    ServerSideEmit = 9,
    /// <summary><c>{requestId, packet}</c></summary>
    ServerSideEmitResponse = 10,
    /// <summary><c>{requestId, clientCount}</c></summary>
    BroadcastClientCount = 11,
    /// <summary><c>{requestId, packet}</c></summary>
    BroadcastAck = 12,
    /// <summary>Heartbeat adapters only.</summary>
    AdapterClose = 13,
}
