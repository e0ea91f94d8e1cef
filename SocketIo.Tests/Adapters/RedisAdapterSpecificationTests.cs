using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Server.Adapters;

namespace SocketIo.Tests.Adapters;

/// <summary>The classic Redis adapter against the adapter specification: three servers on one real redis-server.</summary>
[TestFixture]
public sealed class RedisAdapterSpecificationTests : RedisSpecificationBase
{
    protected override Func<IAdapterNamespace, SocketIoAdapter> CreateAdapterFactory(RedisConnection connection)
    {
        var options = new RedisAdapterOptions { Key = Prefix };
        return nsp => new RedisAdapter(nsp, connection, options);
    }
}
