using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>The classic Redis adapter against the adapter specification: three servers on one real redis-server.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisAdapterSpecificationTests : AdapterSpecification
{
    private RedisServerFixture? _redis;
    private readonly List<RedisConnection> _connections = new();
    private string _key = "spec";

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

    /// <summary>A fresh channel prefix per test: servers of earlier tests can never answer.</summary>
    [SetUp]
    public void NewKey() => _key = "spec-" + Guid.NewGuid().ToString("N")[..8];

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
        // One multiplexer per server: each must subscribe the request channel itself to be counted.
        var connection = new RedisConnection(_redis!.Configuration);
        _connections.Add(connection);
        var options = new RedisAdapterOptions { Key = _key };
        return nsp => new RedisAdapter(nsp, connection, options);
    }
}
