using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>The sharded Redis adapter (static mode: everything on the main channel) against the adapter specification; the JS cluster tests cover the dynamic modes against Node.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ShardedRedisAdapterSpecificationTests : AdapterSpecification
{
    private RedisServerFixture? _redis;
    private readonly List<RedisConnection> _connections = new();
    private string _prefix = "spec";

    protected override int ServerCount => 3;

    [OneTimeSetUp]
    public async Task StartRedis() => _redis = await RedisServerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopRedis()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [SetUp]
    public void NewPrefix() => _prefix = "spec-" + Guid.NewGuid().ToString("N")[..8];

    [TearDown]
    public async Task CloseConnections()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        _connections.Clear();
    }

    protected override Func<IAdapterNamespace, SocketIoAdapter>? CreateAdapterFactory(int serverIndex)
    {
        var connection = new RedisConnection(_redis!.Configuration);
        _connections.Add(connection);
        // Static mode keeps every broadcast on the main channel, so the specification's ordering holds as in Node.
        var options = new ShardedRedisAdapterOptions { ChannelPrefix = _prefix, SubscriptionMode = ShardedSubscriptionMode.Static };
        return nsp => new ShardedRedisAdapter(nsp, connection, options);
    }
}
