using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Redis.Streams;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Redis;

/// <summary>
/// The streams adapter on a Redis Cluster (three masters): the stream, the heartbeat and the session keys hash to
/// different slots, so every command must go to its own node. Broadcasts cross servers, and a session stored by one
/// server is restored by another with the packets it missed, as on a single redis-server.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisStreamsClusterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private RedisClusterFixture? _cluster;

    [OneTimeSetUp]
    public async Task StartCluster() => _cluster = await RedisClusterFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopCluster() => await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);

    private sealed record Server(SioTestHost Host, RedisConnection Connection, RedisStreamsAdapter Root) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }

    private async Task<Server> StartAsync(string stream)
    {
        var connection = new RedisConnection(_cluster!.Configuration);
        var options = new RedisStreamsAdapterOptions { StreamName = stream, ChannelPrefix = stream, BlockTime = TimeSpan.FromMilliseconds(500) };
        var hub = new RedisStreamsHub(connection, options, TimeProvider.System);
        RedisStreamsAdapter? root = null;
        var host = await SioTestHost.StartAsync(o => o.AdapterFactory = nsp =>
        {
            var adapter = new RedisStreamsAdapter(nsp, hub, Window, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            if (nsp.Name == "/")
            {
                root = adapter;
            }

            return adapter;
        });
        return new Server(host, connection, root!);
    }

    private static async Task UntilServersAsync(SocketIoAdapter adapter, int count)
    {
        var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
        while (await adapter.ServerCountAsync() < count)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the servers never counted each other");
            await Task.Yield();
        }
    }

    /// <summary>Two servers on one stream that count each other, and a client of the first in room "r".</summary>
    private async Task<(Server A, Server B, SioRawClient OnA)> TwoServersWithAMemberOfRAsync()
    {
        var stream = "cluster-" + Guid.NewGuid().ToString("N")[..8];
        var a = await StartAsync(stream);
        var b = await StartAsync(stream);
        var onA = await a.Host.OpenAsync();
        var sid = await onA.ConnectNamespaceAsync();
        await a.Host.Socket(sid).JoinAsync("r");
        await UntilServersAsync(a.Root, 2);
        await UntilServersAsync(b.Root, 2);
        return (a, b, onA);
    }

    [Test]
    public async Task A_broadcast_from_one_server_reaches_the_room_on_the_other()
    {
        var (a, b, onA) = await TwoServersWithAMemberOfRAsync();
        await using var owner = a;
        await using var other = b;
        using var client = onA;

        await b.Host.Io.To("r").EmitAsync("news", 1);
        await b.Host.Io.To("elsewhere").EmitAsync("not for it");
        await b.Host.Io.EmitAsync("all", new byte[] { 9 });

        var news = JArray.Parse((await onA.ReceiveTextAsync())[1..]);
        Assert.That((string)news[0]!, Is.EqualTo("news"));
        Assert.That((int)news[1]!, Is.EqualTo(1));
        Assert.That(StreamsWireFormat.IsOffset((string)news[2]!), Is.True, "the entry id travels as the offset");
        Assert.That(await onA.ReceiveTextAsync(), Does.StartWith("""51-["all",{"_placeholder":true,"num":0},"""));
    }

    [Test]
    public async Task A_session_stored_by_one_server_is_restored_by_the_other_with_what_it_missed()
    {
        var (a, b, onA) = await TwoServersWithAMemberOfRAsync();
        await using var owner = a;
        await using var other = b;
        using var client = onA;
        await b.Host.Io.To("r").EmitAsync("first");
        var offset = (string)JArray.Parse((await onA.ReceiveTextAsync())[1..])[1]!;

        var pid = "pid-" + Guid.NewGuid().ToString("N")[..8];
        await a.Root.PersistSessionAsync(new PersistedSession("sid-1", pid, ["sid-1", "r"], new JObject { ["k"] = 1 }));
        await b.Host.Io.To("r").EmitAsync("missed", 1);
        await a.Host.Io.To("other").EmitAsync("not for it");
        await a.Host.Io.To("r").EmitAsync("missed too", 2);

        var restored = await b.Root.RestoreSessionAsync(pid, offset);

        Assert.That(restored, Is.Not.Null);
        Assert.That(restored!.Session.Rooms, Is.EqualTo<string[]>(["sid-1", "r"]));
        Assert.That(restored.MissedPackets.Select(p => (string)p[0]!), Is.EqualTo<string[]>(["missed", "missed too"]));
        Assert.That(await a.Root.RestoreSessionAsync(pid, offset), Is.Null, "a session is given back once, from any server");
    }
}
