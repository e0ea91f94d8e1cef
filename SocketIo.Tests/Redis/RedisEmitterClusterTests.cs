using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Server;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;
using StackExchange.Redis;

namespace SocketIo.Tests.Redis;

/// <summary>
/// <see cref="RedisEmitter"/> on a real redis-server with two .NET servers on the classic adapter: the emitter has its
/// own multiplexer and no server, as a separate process would. Node servers hearing it are the JS interop test's
/// (interop-tests/redis-emitter.test.mjs).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisEmitterClusterTests
{
    private RedisServerFixture? _redis;
    private readonly List<IAsyncDisposable> _owned = new();
    private string _prefix = "emitter";

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
    public void NewPrefix() => _prefix = "emitter-" + Guid.NewGuid().ToString("N")[..8];

    [TearDown]
    public async Task DisposeOwned()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        _owned.Clear();
    }

    [Test]
    public async Task Emits_ReachTheTargetedClientsOfEveryServer()
    {
        var (a, b) = await StartServersAsync();
        var emitter = await NewEmitterAsync();
        var (a1, a1s) = await ConnectAsync(a);
        var (a2, a2s) = await ConnectAsync(a);
        var (b1, b1s) = await ConnectAsync(b);
        var (b2, _) = await ConnectAsync(b);
        await a1s.JoinAsync("r1");
        await a2s.JoinAsync("r2");
        await a2s.JoinAsync("muted");
        await b1s.JoinAsync("r1");
        await b1s.JoinAsync("muted");

        await emitter.EmitAsync("all", 1, new byte[] { 1, 2 });
        await emitter.To("r1").EmitAsync("to r1");
        await emitter.To("r1", "r2").Except("muted").EmitAsync("r1 or r2, not muted");
        await emitter.Except("muted").EmitAsync("not muted");
        await emitter.Compress(false).EmitAsync("uncompressed");
        await emitter.EmitAsync("marker");

        foreach (var client in new[] { a1, a2, b1, b2 })
        {
            Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""51-["all",1,{"_placeholder":true,"num":0}]"""));
            Assert.That(await client.ReceiveBinaryAsync(), Is.EqualTo((byte[])[1, 2]));
        }

        Assert.That(await a1.ReceiveTextsAsync(5), Is.EqualTo((string[])["""2["to r1"]""", """2["r1 or r2, not muted"]""", """2["not muted"]""", """2["uncompressed"]""", """2["marker"]"""]));
        Assert.That(await a2.ReceiveTextsAsync(2), Is.EqualTo((string[])["""2["uncompressed"]""", """2["marker"]"""]));
        Assert.That(await b1.ReceiveTextsAsync(3), Is.EqualTo((string[])["""2["to r1"]""", """2["uncompressed"]""", """2["marker"]"""]));
        Assert.That(await b2.ReceiveTextsAsync(3), Is.EqualTo((string[])["""2["not muted"]""", """2["uncompressed"]""", """2["marker"]"""]));
    }

    [Test]
    public async Task Of_ReachesThatNamespaceOnly()
    {
        var (a, b) = await StartServersAsync();
        await UntilServerCountAsync("/chat", a, b);
        var emitter = await NewEmitterAsync();
        var (root, _) = await ConnectAsync(a);
        var chat = await b.ConnectAsync("/chat");

        await emitter.Of("chat").EmitAsync("in chat");
        await emitter.EmitAsync("in root");

        Assert.That(await chat.ReceiveTextAsync(), Is.EqualTo("""2/chat,["in chat"]"""));
        Assert.That(await root.ReceiveTextAsync(), Is.EqualTo("""2["in root"]"""));
    }

    [Test]
    public async Task SocketsJoinLeaveAndDisconnect_TakeEffectOnEveryServer()
    {
        var (a, b) = await StartServersAsync();
        var emitter = await NewEmitterAsync();
        var (a1, a1s) = await ConnectAsync(a);
        var (b1, b1s) = await ConnectAsync(b);
        var (b2, b2s) = await ConnectAsync(b);
        await a1s.JoinAsync("seed");
        await b1s.JoinAsync("seed");

        await emitter.In("seed").SocketsJoinAsync("grown", "also");
        await Signals.UntilAsync(() => a1s.Rooms.Contains("grown") && b1s.Rooms.Contains("also"), "the seed sockets to join");
        Assert.That(b2s.Rooms, Does.Not.Contain("grown"));

        await emitter.Except("seed").SocketsJoinAsync("others");
        await Signals.UntilAsync(() => b2s.Rooms.Contains("others"), "the other socket to join");
        await emitter.In("grown").SocketsLeaveAsync("also");
        await Signals.UntilAsync(() => !a1s.Rooms.Contains("also") && !b1s.Rooms.Contains("also"), "the seed sockets to leave");
        Assert.That(a1s.Rooms, Does.Contain("grown"));

        await emitter.In("others").DisconnectSocketsAsync();
        Assert.That(await b2.ReceiveTextAsync(), Is.EqualTo("1"));
        Assert.That(b2.Closed.IsCompleted, Is.False, "close: false keeps the connection");

        await emitter.In("seed").DisconnectSocketsAsync(close: true);
        await a1.WaitForCloseAsync();
        await b1.WaitForCloseAsync();
        Assert.That((a1s.Connected, b1s.Connected, b2s.Connected), Is.EqualTo((false, false, false)));
    }

    [Test]
    public async Task ServerSideEmit_ReachesEveryServer()
    {
        var (a, b) = await StartServersAsync();
        var emitter = await NewEmitterAsync();
        var heard = new SioRecorder<string>();
        a.Io.OnServerSideEmit("hello", e => heard.AddAsync("a:" + e.GetValue<string>(0)));
        b.Io.OnServerSideEmit("hello", e => heard.AddAsync("b:" + e.GetValue<string>(0)));

        await emitter.ServerSideEmitAsync("hello", "from the emitter");

        Assert.That(await heard.WaitForAsync(2, "both servers"), Is.EquivalentTo((string[])["a:from the emitter", "b:from the emitter"]));
    }

    [Test]
    public async Task WithoutAConnectionToRedis_ACallFailsAtOnce()
    {
        var options = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = 200, ConnectRetry = 0 };
        options.EndPoints.Add("127.0.0.1", FreePort());
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
        _owned.Add(multiplexer);
        var emitter = new RedisEmitter(multiplexer);

        Assert.That(async () => await emitter.EmitAsync("ev").WaitAsync(Signals.DefaultTimeout), Throws.InstanceOf<SocketIoClusterUnavailableException>());
        Assert.That(async () => await emitter.ServerSideEmitAsync("ev").WaitAsync(Signals.DefaultTimeout), Throws.InstanceOf<SocketIoClusterUnavailableException>());
    }

    private async Task<(SioTestHost A, SioTestHost B)> StartServersAsync()
    {
        var hosts = new SioTestHost[2];
        for (var i = 0; i < hosts.Length; i++)
        {
            var connection = new RedisConnection(_redis!.Configuration);
            _owned.Add(connection);
            var options = new RedisAdapterOptions { Key = _prefix };
            hosts[i] = await SioTestHost.StartAsync(o => o.AdapterFactory = nsp => new RedisAdapter(nsp, connection, options));
            _owned.Add(hosts[i]);
            // Created before the wait, so that its adapter subscribes with the others.
            hosts[i].Io.Of("/chat");
        }

        await UntilServerCountAsync("/", hosts);
        return (hosts[0], hosts[1]);
    }

    private async Task<RedisEmitter> NewEmitterAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_redis!.Configuration);
        _owned.Add(multiplexer);
        return new RedisEmitter(multiplexer, new RedisEmitterOptions { Key = _prefix });
    }

    private static async Task<(SioRawClient Client, SocketIoSocket Socket)> ConnectAsync(SioTestHost host)
    {
        var client = await host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync();
        return (client, host.Socket(sid));
    }

    /// <summary>Every server's adapter of <paramref name="nsp"/> counts every server: their subscriptions are in place.</summary>
    private static async Task UntilServerCountAsync(string nsp, params SioTestHost[] hosts)
    {
        var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
        foreach (var host in hosts)
        {
            while (await host.Io.Of(nsp).Adapter.ServerCountAsync() != hosts.Length)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The adapters of {nsp} never counted {hosts.Length} servers.");
                }

                await Task.Yield();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
