using SocketIo.Server.Adapters;

namespace SocketIo.Redis;

/// <summary>Options of the classic Redis adapter (Node: <c>createAdapter(pub, sub, opts)</c>).</summary>
public sealed class RedisAdapterOptions : ClusterAdapterOptions
{
    /// <summary>Channel prefix (Node: <c>key</c>, default <c>socket.io</c>).</summary>
    public string Key { get; set; } = "socket.io";

    /// <summary>
    /// Answer requests on the requester's own response channel instead of the shared one
    /// (Node: <c>publishOnSpecificResponseChannel</c>, default false).
    /// </summary>
    public bool PublishOnSpecificResponseChannel { get; set; }
}
