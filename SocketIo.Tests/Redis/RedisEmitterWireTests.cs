using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Redis;

namespace SocketIo.Tests.Redis;

/// <summary>
/// Every scenario that npm @socket.io/redis-emitter 5.1.0 was run through (scripts/capture-emitter.mjs, committed as
/// Redis/EmitterCaptures/emitter-5.1.0.json) is replayed on <see cref="RedisEmitter"/>: the same calls must publish the
/// same channels with the same bytes, in the same order, or throw where Node throws. The emitter messages of the
/// golden cluster captures (shared/redis-captures, classic-redis4/21-emitter) are replayed the same way.
/// </summary>
[TestFixture]
public sealed class RedisEmitterWireTests
{
    private static readonly Lazy<JObject> Captures = new(() =>
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "SocketIo.Tests", "Redis", "EmitterCaptures", "emitter-5.1.0.json");
            if (File.Exists(file))
            {
                using var text = File.OpenText(file);
                using var reader = new JsonTextReader(text) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Double };
                return JObject.Load(reader);
            }
        }

        throw new AssertionException("SocketIo.Tests/Redis/EmitterCaptures/emitter-5.1.0.json not found above " + TestContext.CurrentContext.TestDirectory);
    });

    private static IEnumerable<TestCaseData> Scenarios()
    {
        foreach (var scenario in ((JArray)Captures.Value["scenarios"]!).Cast<JObject>())
        {
            yield return new TestCaseData(scenario).SetName("Node's emitter: " + (string)scenario["name"]!);
        }
    }

    [TestCaseSource(nameof(Scenarios))]
    public async Task AScenario_PublishesWhatNodesEmitterPublishes(JObject scenario)
    {
        var published = new List<(string Channel, byte[] Payload)>();
        var options = new RedisEmitterOptions();
        if (scenario["key"] is { Type: JTokenType.String } key)
        {
            options.Key = (string)key!;
        }

        var emitter = new RedisEmitter(m => Record(published, m.Channel, m.Payload), options);
        if (scenario["of"] is { Type: JTokenType.String } of)
        {
            emitter = emitter.Of((string)of!);
        }

        var error = (string?)scenario["error"];
        Exception? thrown = null;
        try
        {
            await RunAsync(emitter, (JArray?)scenario["chain"] ?? [], (JArray)scenario["op"]!);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            thrown = ex;
        }

        if (error is null)
        {
            Assert.That(thrown, Is.Null);
        }
        else
        {
            Assert.That(thrown?.Message, Does.StartWith(error), "Node threw this");
        }

        var expected = ((JArray)scenario["publishes"]!).Select(p => ((string)p["channel"]!, (string)p["payload_hex"]!)).ToList();
        Assert.That(published.Select(p => (p.Channel, Convert.ToHexString(p.Payload).ToLowerInvariant())), Is.EqualTo(expected));
    }

    /// <summary>
    /// The nine emitter messages of the cluster captures (classic-redis4/21-emitter: two Node servers received them),
    /// from the same calls.
    /// </summary>
    [Test]
    public async Task TheGoldenClusterCapture_IsPublishedByteForByte()
    {
        if (RedisCaptures.Directory is null)
        {
            Assert.Fail(RedisCaptures.NotFoundMessage);
        }

        var expected = RedisCaptures.LoadMessages().Where(m => m.Key.StartsWith("classic-redis4/21-emitter.json#", StringComparison.Ordinal)).ToList();
        var published = new List<(string Channel, byte[] Payload)>();
        var e = new RedisEmitter(m => Record(published, m.Channel, m.Payload), null);

        // The calls of the capture's "server actions", in order.
        await e.EmitAsync("from-emitter", 1, new byte[] { 5 });
        await e.To("room1").EmitAsync("emitter-room1", "r1");
        await e.To("room1", "room2").Except("room3").EmitAsync("emitter-multi", "m");
        await e.Of("/chat").EmitAsync("emitter-chat", "c");
        await e.Volatile.Compress(false).EmitAsync("emitter-flags", 0);
        await e.In("room2").SocketsJoinAsync("emitter-joined");
        await e.In("room2").SocketsLeaveAsync("emitter-joined");
        await e.ServerSideEmitAsync("sse", "from emitter");
        await e.In("nobody-room").DisconnectSocketsAsync(true);

        Assert.That(expected, Has.Count.EqualTo(9));
        Assert.That(published.Select(p => (p.Channel, Convert.ToHexString(p.Payload))), Is.EqualTo(expected.Select(m => (m.Channel, Convert.ToHexString(m.Payload)))));
    }

    private static Task Record(List<(string Channel, byte[] Payload)> published, string channel, byte[] payload)
    {
        published.Add((channel, payload));
        return Task.CompletedTask;
    }

    private static Task RunAsync(RedisEmitter emitter, JArray chain, JArray op)
    {
        RedisEmitterBroadcastOperator? target = null;
        foreach (var step in chain.Cast<JArray>())
        {
            var rooms = step.Count > 1 ? Rooms(step[1]) : [];
            target = ((string)step[0]!, target) switch
            {
                ("to", null) => emitter.To(rooms),
                ("to", { } t) => t.To(rooms),
                ("in", null) => emitter.In(rooms),
                ("in", { } t) => t.In(rooms),
                ("except", null) => emitter.Except(rooms),
                ("except", { } t) => t.Except(rooms),
                ("volatile", null) => emitter.Volatile,
                ("volatile", { } t) => t.Volatile,
                ("compress", null) => emitter.Compress((bool)step[1]!),
                ("compress", { } t) => t.Compress((bool)step[1]!),
                var other => throw new InvalidDataException("Unknown step " + other.Item1),
            };
        }

        var name = (string)op[0]!;
        var args = op.Skip(1).ToList();
        return (name, target) switch
        {
            ("emit", null) => emitter.EmitAsync((string)args[0]!, Values(args.Skip(1))),
            ("emit", { } t) => t.EmitAsync((string)args[0]!, Values(args.Skip(1))),
            ("socketsJoin", null) => emitter.SocketsJoinAsync(Rooms(args[0])),
            ("socketsJoin", { } t) => t.SocketsJoinAsync(Rooms(args[0])),
            ("socketsLeave", null) => emitter.SocketsLeaveAsync(Rooms(args[0])),
            ("socketsLeave", { } t) => t.SocketsLeaveAsync(Rooms(args[0])),
            ("disconnectSockets", null) => args.Count == 0 ? emitter.DisconnectSocketsAsync() : emitter.DisconnectSocketsAsync((bool)args[0]!),
            ("disconnectSockets", { } t) => args.Count == 0 ? t.DisconnectSocketsAsync() : t.DisconnectSocketsAsync((bool)args[0]!),
            ("serverSideEmit", null) => emitter.ServerSideEmitAsync((string)args[0]!, Values(args.Skip(1))),
            _ => throw new InvalidDataException($"Unknown operation {name}"),
        };
    }

    /// <summary>A room or an array of rooms, as Node's <c>to(room | rooms)</c> takes them.</summary>
    private static string[] Rooms(JToken token) => token is JArray array ? array.Select(r => (string)r!).ToArray() : [(string)token!];

    /// <summary>The capture's tagged values as emit arguments; <c>{"$function": true}</c> is a delegate (Node: a callback).</summary>
    private static object?[] Values(IEnumerable<JToken> tokens) =>
        tokens.Select(t => t is JObject o && o.ContainsKey("$function") ? (object)new Action(() => { }) : RedisCaptures.MapTags(t)).ToArray();
}
