using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.AdminUi;
using SocketIo.Server;
using SocketIo.Tests.Support;
using StackExchange.Redis;

namespace SocketIo.Tests.AdminUi;

/// <summary>
/// Where a logged-in dashboard's session lives: <see cref="RedisAdminUiStore"/> writes the keys Node's
/// <c>RedisStore</c> writes, so a session granted by one server is accepted by another on the same Redis, and a store
/// that fails costs the dashboard its session, never its login.
/// </summary>
[TestFixture]
public sealed class AdminUiSessionStoreTests
{
    private static readonly string Hash = BCrypt.Net.BCrypt.HashPassword("s3cret", 4);
    private RedisServerFixture? _redis;
    private ConnectionMultiplexer? _spy;

    private IDatabase Db => _spy!.GetDatabase();

    [OneTimeSetUp]
    public async Task StartRedis()
    {
        _redis = await RedisServerFixture.StartAsync();
        _spy = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
    }

    [OneTimeTearDown]
    public async Task StopRedis()
    {
        await (_spy?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_redis?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Test]
    public async Task ASavedSession_IsNodesKey_TrueForADay()
    {
        var store = new RedisAdminUiStore(Db);

        await store.SaveSessionAsync("a1b2");

        Assert.That((string?)await Db.StringGetAsync("socket.io-admin#a1b2"), Is.EqualTo("true"));
        var ttl = await Db.KeyTimeToLiveAsync("socket.io-admin#a1b2");
        Assert.That(ttl, Is.Not.Null.And.InRange(TimeSpan.FromSeconds(86_390), TimeSpan.FromSeconds(86_400)));
    }

    [Test]
    public async Task ASessionNodeSaved_IsKnown_AndOthersAreNot()
    {
        // What admin-ui's RedisStore runs: MULTI, SET key true, EXPIRE key 86400, EXEC.
        var node = Db.CreateTransaction();
#pragma warning disable SER303 // two commands on purpose: what Node sends, not what we would
        _ = node.StringSetAsync("socket.io-admin#from-node", "true");
        _ = node.KeyExpireAsync("socket.io-admin#from-node", TimeSpan.FromSeconds(86_400));
#pragma warning restore SER303
        Assert.That(await node.ExecuteAsync(), Is.True);
        var store = new RedisAdminUiStore(Db);
        var other = new RedisAdminUiStore(Db, prefix: "tenant-b", sessionDuration: TimeSpan.FromMinutes(5));

        Assert.That(await store.DoesSessionExistAsync("from-node"), Is.True);
        Assert.That(await store.DoesSessionExistAsync("never-saved"), Is.False);
        Assert.That(await other.DoesSessionExistAsync("from-node"), Is.False, "another prefix is another set of sessions");
        await other.SaveSessionAsync("b");
        Assert.That(await Db.KeyTimeToLiveAsync("tenant-b#b"), Is.LessThanOrEqualTo(TimeSpan.FromMinutes(5)));
    }

    [Test]
    public async Task ASessionGrantedByOneServer_LetsTheDashboardIntoAnother()
    {
        // Each server with a Redis connection of its own, as two processes would have.
        await using var redisA = await ConnectionMultiplexer.ConnectAsync(_redis!.Configuration);
        await using var redisB = await ConnectionMultiplexer.ConnectAsync(_redis!.Configuration);
        await using var a = await InstrumentedHostAsync(new RedisAdminUiStore(redisA.GetDatabase()));
        await using var b = await InstrumentedHostAsync(new RedisAdminUiStore(redisB.GetDatabase()));

        var onA = await a.Host.OpenAsync();
        await onA.SendAsync("""0/admin,{"username":"admin","password":"s3cret"}""");
        var sessionId = await SessionIdAsync(onA);

        var onB = await b.Host.OpenAsync();
        await onB.SendAsync($$"""0/admin,{"sessionId":"{{sessionId}}"}""");
        Assert.That(await FirstConnectReplyAsync(onB), Does.StartWith("0/admin,{\"sid\""), "the session saved by server A is known to server B");

        var stranger = await b.Host.OpenAsync();
        await stranger.SendAsync("""0/admin,{"sessionId":"0123456789abcdef"}""");
        Assert.That(await FirstConnectReplyAsync(stranger), Is.EqualTo("""4/admin,{"message":"invalid credentials"}"""));
    }

    [Test]
    public async Task AStoreThatFails_CostsTheSessionNotTheLogin_WithALogLine()
    {
        await using var host = await InstrumentedHostAsync(new FailingStore());

        var withPassword = await host.Host.OpenAsync();
        await withPassword.SendAsync("""0/admin,{"username":"admin","password":"s3cret"}""");
        Assert.That(await FirstConnectReplyAsync(withPassword), Does.StartWith("0/admin,{\"sid\""));

        var withSession = await host.Host.OpenAsync();
        await withSession.SendAsync("""0/admin,{"sessionId":"0123456789abcdef"}""");
        Assert.That(await FirstConnectReplyAsync(withSession), Is.EqualTo("""4/admin,{"message":"invalid credentials"}"""));

        var failures = host.Host.Logs.Entries.Where(e => e.Message.Contains("session store failed", StringComparison.Ordinal)).ToList();
        Assert.That(failures.Select(e => e.Message), Has.Some.Contains("save a session").And.Some.Contains("look up a session"));
        Assert.That(withPassword.Drain().Select(f => f.Text), Has.None.Contains("\"session\""), "no session id that no store keeps");
    }

    private static async Task<Instrumented> InstrumentedHostAsync(AdminUiStore store)
    {
        var host = await SioTestHost.StartAsync(logLevel: LogLevel.Information);
        var loggers = LoggerFactory.Create(b => b.AddProvider(host.Logs).SetMinimumLevel(LogLevel.Information));
        var instrumentation = host.Io.Instrument(
            o =>
            {
                o.Auth = AdminUiAuth.Basic("admin", Hash);
                o.Store = store;
            },
            loggers);
        return new Instrumented(host, instrumentation, loggers);
    }

    /// <summary>The first reply to an /admin CONNECT (the room_joined that may come before it is skipped).</summary>
    private static async Task<string> FirstConnectReplyAsync(SioRawClient client)
    {
        while (true)
        {
            var text = await client.ReceiveTextAsync();
            if (text.StartsWith("0/admin,", StringComparison.Ordinal) || text.StartsWith("4/admin,", StringComparison.Ordinal))
            {
                return text;
            }
        }
    }

    private static async Task<string> SessionIdAsync(SioRawClient client)
    {
        while (true)
        {
            var text = await client.ReceiveTextAsync();
            if (text.StartsWith("2/admin,[\"session\"", StringComparison.Ordinal))
            {
                return (string)JArray.Parse(text["2/admin,".Length..])[1]!;
            }
        }
    }

    private sealed class FailingStore : AdminUiStore
    {
        public override ValueTask<bool> DoesSessionExistAsync(string sessionId, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<bool>(new TimeoutException("store down"));

        public override ValueTask SaveSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new TimeoutException("store down"));
    }

    private sealed record Instrumented(SioTestHost Host, IAsyncDisposable Instrumentation, ILoggerFactory Loggers) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Instrumentation.DisposeAsync();
            Loggers.Dispose();
            await Host.DisposeAsync();
        }
    }
}
