using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Redis.Streams;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;
using StackExchange.Redis;

namespace SocketIo.Tests.Redis;

/// <summary>
/// The streams adapter on a private redis-server: offsets are entry ids, sessions are stored and taken back as Node
/// does (SET PX, MULTI GET DEL EXEC, XRANGE after the offset filtered by namespace, rooms and except), and garbage in
/// the stream or in a session value is skipped without stopping the reader.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisStreamsAdapterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private static readonly string[] M1M2 = ["m1", "m2"];
    private RedisServerFixture? _redis;
    private ConnectionMultiplexer? _spy;
    private string _stream = "s";

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

    [SetUp]
    public void NewStream() => _stream = "streams-" + Guid.NewGuid().ToString("N")[..8];

    private IDatabase Db => _spy!.GetDatabase();

    private sealed record Server(SioTestHost Host, RedisConnection Connection, Dictionary<string, RedisStreamsAdapter> Adapters, RecordingLoggerProvider Logs) : IAsyncDisposable
    {
        public RedisStreamsAdapter Root => Adapters["/"];

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Connection.DisposeAsync();
            Logs.Dispose();
        }
    }

    private async Task<Server> StartAsync(Action<RedisStreamsAdapterOptions>? configure = null)
    {
        var connection = new RedisConnection(_redis!.Configuration);
        var options = new RedisStreamsAdapterOptions { StreamName = _stream, ChannelPrefix = _stream, BlockTime = TimeSpan.FromMilliseconds(500) };
        configure?.Invoke(options);
        var hub = new RedisStreamsHub(connection, options, TimeProvider.System);
        var adapters = new Dictionary<string, RedisStreamsAdapter>();
        var logs = new RecordingLoggerProvider(Microsoft.Extensions.Logging.LogLevel.Warning);
        var host = await SioTestHost.StartAsync(o =>
        {
            // The adapter is given the window itself; the raw test client speaks CONNECT without a pid.
            o.AdapterFactory = nsp => adapters[nsp.Name] = new RedisStreamsAdapter(nsp, hub, Window, logs.CreateLogger("streams"));
        });
        _ = host.Io.Of("/other");
        // Subscribed (counted) means the stream readers are reading: nothing added from here on is missed.
        await UntilServersAsync(adapters["/"], 1);
        return new Server(host, connection, adapters, logs);
    }

    private static Task UntilTwoServersAsync(SocketIoAdapter adapter) => UntilServersAsync(adapter, 2);

    private static async Task UntilServersAsync(SocketIoAdapter adapter, int count)
    {
        var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
        while (await adapter.ServerCountAsync() < count)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the servers never counted each other");
            await Task.Yield();
        }
    }

    private static async Task<JArray> ReceiveEventAsync(SioRawClient client)
    {
        var text = await client.ReceiveTextAsync();
        Assert.That(text, Does.StartWith("2["));
        return JArray.Parse(text[1..]);
    }

    [Test]
    public async Task A_session_comes_back_once_with_the_broadcasts_it_was_a_target_of_each_with_its_entry_id()
    {
        await using var server = await StartAsync();
        var client = await server.Host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync();
        await server.Host.Socket(sid).JoinAsync("a");
        await server.Host.Io.To("a").EmitAsync("first");
        var offset = (string)(await ReceiveEventAsync(client))[1]!;
        Assert.That(StreamsWireFormat.IsOffset(offset), Is.True, offset);

        var session = new PersistedSession("sid-1", "pid-1", ["sid-1", "a", "x"], new JObject { ["k"] = 1 });
        await server.Root.PersistSessionAsync(session);
        await server.Host.Io.To("a").EmitAsync("m1", 1);
        await server.Host.Io.To("b").EmitAsync("not for it");
        await server.Host.Io.Of("/other").EmitAsync("other namespace");
        await server.Host.Io.To("a").Except("x").EmitAsync("excluded");
        await server.Host.Io.EmitAsync("m2", new byte[] { 7 });

        var ttl = await Db.KeyTimeToLiveAsync("sio:session:pid-1");
        Assert.That(ttl, Is.GreaterThan(Window - TimeSpan.FromSeconds(10)).And.LessThanOrEqualTo(Window));
        var restored = await server.Root.RestoreSessionAsync("pid-1", offset);

        Assert.That(restored, Is.Not.Null);
        Assert.That(restored!.Session.Sid, Is.EqualTo("sid-1"));
        Assert.That(restored.Session.Rooms, Is.EqualTo(session.Rooms));
        Assert.That(JToken.DeepEquals(restored.Session.Data, session.Data), Is.True);
        Assert.That(restored.MissedPackets.Select(p => (string)p[0]!), Is.EqualTo(M1M2));
        Assert.That(restored.MissedPackets[1][1]!.Type, Is.EqualTo(JTokenType.Bytes), "binary comes back as binary");
        var ids = restored.MissedPackets.Select(p => (string)p.Last!).ToList();
        Assert.That(ids.All(StreamsWireFormat.IsOffset) && string.CompareOrdinal(ids[0], offset) > 0, Is.True, string.Join(",", ids));
        Assert.That(await Db.KeyExistsAsync("sio:session:pid-1"), Is.False, "read and deleted");
        Assert.That(await server.Root.RestoreSessionAsync("pid-1", offset), Is.Null, "a session is given back once");
    }

    [Test]
    public async Task Every_server_appends_the_same_entry_id_to_a_broadcast()
    {
        await using var a = await StartAsync();
        await using var b = await StartAsync();
        var onA = await a.Host.OpenAsync();
        await onA.ConnectNamespaceAsync();
        var onB = await b.Host.OpenAsync();
        await onB.ConnectNamespaceAsync();
        await UntilTwoServersAsync(a.Root);

        await a.Host.Io.EmitAsync("news");

        var fromA = await ReceiveEventAsync(onA);
        var fromB = await ReceiveEventAsync(onB);
        Assert.That(fromA, Has.Count.EqualTo(2));
        Assert.That(JToken.DeepEquals(fromA, fromB), Is.True, $"{fromA} vs {fromB}");
        var entries = await Db.StreamRangeAsync(_stream);
        Assert.That(entries.Select(e => (string)e.Id!), Has.Member((string)fromA[1]!));
    }

    [Test]
    public async Task An_offset_trimmed_from_the_stream_or_malformed_restores_nothing()
    {
        await using var server = await StartAsync();
        var client = await server.Host.OpenAsync();
        await client.ConnectNamespaceAsync();
        await server.Host.Io.EmitAsync("first");
        var offset = (string)(await ReceiveEventAsync(client))[1]!;
        await server.Root.PersistSessionAsync(new PersistedSession("s", "pid-2", ["s"], null));

        Assert.That(await server.Root.RestoreSessionAsync("pid-2", offset + "\n"), Is.Null);
        Assert.That(await Db.KeyExistsAsync("sio:session:pid-2"), Is.True, "a malformed offset does not consume the session");
        await Db.StreamTrimAsync(_stream, 0);
        Assert.That(await server.Root.RestoreSessionAsync("pid-2", offset), Is.Null);
    }

    [Test]
    public async Task A_garbage_session_value_restores_nothing()
    {
        await using var server = await StartAsync();
        var client = await server.Host.OpenAsync();
        await client.ConnectNamespaceAsync();
        await server.Host.Io.EmitAsync("first");
        var offset = (string)(await ReceiveEventAsync(client))[1]!;
        await Db.StringSetAsync("sio:session:pid-3", "!!! not base64 msgpack");

        Assert.That(await server.Root.RestoreSessionAsync("pid-3", offset), Is.Null);
        Assert.That(server.Logs.Entries.Any(e => e.Message.Contains("malformed session", StringComparison.Ordinal)), Is.True);
    }

    [Test]
    public async Task Garbage_entries_are_logged_once_and_skipped_and_the_reader_goes_on()
    {
        await using var server = await StartAsync();
        var client = await server.Host.OpenAsync();
        await client.ConnectNamespaceAsync();
        NameValueEntry[][] garbage =
        [
            [new("nsp", "/"), new("uid", "x"), new("type", "x")],
            [new("nsp", "/"), new("uid", "x"), new("type", "3"), new("data", "{bad")],
            [new("nsp", "/"), new("uid", "x"), new("type", "3"), new("data", "!!!")],
            [new("nsp", "/"), new("uid", "x"), new("type", "3"), new("data", "[1]")],
            [new("nsp", "/"), new("uid", "x"), new("type", "3"), new("data", "{\"packet\":5}")],
            [new("nsp", "/"), new("uid", "x"), new("type", "42"), new("data", "{}")],
            [new("foo", "bar")],
        ];
        foreach (var fields in garbage)
        {
            await Db.StreamAddAsync(_stream, fields);
        }

        // What a Node server writes for io.emit("after", 1).
        var id = await Db.StreamAddAsync(_stream, [new("uid", "node"), new("nsp", "/"), new("type", "3"),
            new("data", """{"packet":{"type":2,"data":["after",1]},"opts":{"rooms":[],"except":[],"flags":{}}}""")]);

        var received = await ReceiveEventAsync(client);
        Assert.That(received.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo($"""["after",1,"{id}"]"""));
        var skipped = server.Logs.Entries.Count(e => e.Message.StartsWith("Skipped entry", StringComparison.Ordinal));
        Assert.That(skipped, Is.EqualTo(4), "type x, bad JSON, bad base64, data not an object: once each");
    }
    [TestCase(false)]
    [TestCase(true)]
    public async Task Namespaces_spread_over_several_streams_and_sharded_channels_still_make_one_cluster(bool sharded)
    {
        void Configure(RedisStreamsAdapterOptions o)
        {
            o.StreamCount = 3;
            o.UseShardedPubSub = sharded;
        }

        await using var a = await StartAsync(Configure);
        await using var b = await StartAsync(Configure);
        _ = a.Host.Io.Of("/chat");
        _ = b.Host.Io.Of("/chat");
        var onB = await b.Host.OpenAsync();
        var sid = await onB.ConnectNamespaceAsync("/chat");
        await UntilTwoServersAsync(a.Adapters["/chat"]);
        var count = await Db.ExecuteAsync("PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", _stream + "#/chat#");
        Assert.That((int)count[1], Is.EqualTo(2), "both servers subscribed the way the option says");

        Assert.That(a.Adapters["/chat"].StreamName, Is.EqualTo(_stream + "-1"), "hashCode(\"/chat\") % 3, as Node");
        await a.Host.Io.Of("/chat").EmitAsync("hi");
        var text = await onB.ReceiveTextAsync();
        Assert.That(text, Does.StartWith("""2/chat,["hi","""));
        Assert.That(await Db.StreamLengthAsync(_stream + "-1"), Is.EqualTo(1));
        var sockets = await a.Host.Io.Of("/chat").FetchSocketsAsync();
        Assert.That(sockets.Select(s => s.Id), Is.EqualTo(new[] { sid }));
    }
}
