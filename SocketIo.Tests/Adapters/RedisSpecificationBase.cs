using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// The adapter specification over a private redis-server: three servers, each with its own connection (each must
/// subscribe itself to be counted), and a fresh channel prefix per test so servers of earlier tests never answer.
/// </summary>
[NonParallelizable]
public abstract class RedisSpecificationBase : AdapterSpecification
{
    private readonly List<RedisConnection> _connections = new();
    private RedisServerFixture? _redis;

    protected override int ServerCount => 3;

    /// <summary>The channel prefix of the current test.</summary>
    protected string Prefix { get; private set; } = "spec";

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
    public void NewPrefix() => Prefix = "spec-" + Guid.NewGuid().ToString("N")[..8];

    [TearDown]
    public async Task CloseConnections()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        _connections.Clear();
    }

    protected sealed override Func<IAdapterNamespace, SocketIoAdapter>? CreateAdapterFactory(int serverIndex)
    {
        var connection = new RedisConnection(_redis!.Configuration);
        _connections.Add(connection);
        return CreateAdapterFactory(connection);
    }

    /// <summary>The adapter of one server over its own connection.</summary>
    protected abstract Func<IAdapterNamespace, SocketIoAdapter> CreateAdapterFactory(RedisConnection connection);
}
