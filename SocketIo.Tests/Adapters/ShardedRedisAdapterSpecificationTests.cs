using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Server.Adapters;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// The sharded Redis adapter (static mode: everything on the main channel) against the adapter specification; the JS
/// cluster tests cover the dynamic modes against Node.
/// </summary>
[TestFixture]
public sealed class ShardedRedisAdapterSpecificationTests : RedisSpecificationBase
{
    protected override Func<IAdapterNamespace, SocketIoAdapter> CreateAdapterFactory(RedisConnection connection)
    {
        var options = new ShardedRedisAdapterOptions { ChannelPrefix = Prefix, SubscriptionMode = ShardedSubscriptionMode.Static };
        return nsp => new ShardedRedisAdapter(nsp, connection, options);
    }
}
