using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Redis.Streams;
using SocketIo.Server.Adapters;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// The Redis streams adapter against the adapter specification (recovery off, so events carry no offset): each
/// server has its own connection and its own stream readers, on a fresh stream and channel prefix per test.
/// </summary>
[TestFixture]
public sealed class RedisStreamsAdapterSpecificationTests : RedisSpecificationBase
{
    // socketsJoin/Leave go through the stream (XADD, then each server's XREAD), fetchSockets over PUB/SUB.
    protected override bool RequestsFollowBulkOperations => false;

    protected override Func<IAdapterNamespace, SocketIoAdapter> CreateAdapterFactory(RedisConnection connection)
    {
        var options = new RedisStreamsAdapterOptions { StreamName = Prefix, ChannelPrefix = Prefix, BlockTime = TimeSpan.FromMilliseconds(500) };
        var hub = new RedisStreamsHub(connection, options, TimeProvider.System);
        return nsp => new RedisStreamsAdapter(nsp, hub, recoveryWindow: null);
    }
}
