using SocketIo.Server.Adapters;

namespace SocketIo.Redis;

/// <summary>Options of the sharded Redis adapter (Node: <c>createShardedAdapter(pub, sub, opts)</c>).</summary>
public sealed class ShardedRedisAdapterOptions : ClusterAdapterOptions
{
    /// <summary>Channel prefix (Node: <c>channelPrefix</c>, default <c>socket.io</c>).</summary>
    public string ChannelPrefix { get; set; } = "socket.io";

    /// <summary>Room channel subscriptions (Node default: dynamic).</summary>
    public ShardedSubscriptionMode SubscriptionMode { get; set; } = ShardedSubscriptionMode.Dynamic;
}
