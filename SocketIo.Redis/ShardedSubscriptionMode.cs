namespace SocketIo.Redis;

/// <summary>How the sharded adapter subscribes to room channels (Node: <c>subscriptionMode</c>, redis-wire §7.3).</summary>
public enum ShardedSubscriptionMode
{
    /// <summary>Main and own channels only; every broadcast goes to the main channel.</summary>
    Static,
    /// <summary>Also one channel per public room (not socket ids), created and removed with the room. Node's default.</summary>
    Dynamic,
    /// <summary>Like <see cref="Dynamic"/>, socket-id rooms included.</summary>
    DynamicPrivate,
}
