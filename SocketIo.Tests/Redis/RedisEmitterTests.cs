using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Newtonsoft.Json.Serialization;
using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Server.Adapters;

namespace SocketIo.Tests.Redis;

/// <summary>
/// What <see cref="RedisEmitter"/> does beyond Node's bytes (RedisEmitterWireTests): .NET values as arguments,
/// options, immutable operators, the refused calls, cancellation and call order. No Redis: publications are recorded.
/// </summary>
[TestFixture]
public sealed class RedisEmitterTests
{
    private readonly List<(string Channel, byte[] Payload)> _published = new();

    [SetUp]
    public void Clear() => _published.Clear();

    private RedisEmitter NewEmitter(RedisEmitterOptions? options = null) => new(m =>
    {
        _published.Add((m.Channel, m.Payload));
        return Task.CompletedTask;
    }, options);

    private JArray Broadcast(int index)
    {
        Assert.That(Notepack.TryDecode(_published[index].Payload, out var value, out var error), Is.True, error);
        return (JArray)value!;
    }

    [Test]
    public async Task DotNetValues_AreWrittenAsTheServerWritesThem_WithBinaryKeptAtAnyDepth()
    {
        var emitter = NewEmitter();

        await emitter.EmitAsync("ev", new { Name = "ann", Bin = (ReadOnlyMemory<byte>)new byte[] { 1, 2 }, List = new List<int> { 1, 2 } }, new ArraySegment<byte>([3]), null);

        var data = (JArray)Broadcast(0)[1]["data"]!;
        Assert.That(data[1]["Name"]!.Value<string>(), Is.EqualTo("ann"));
        Assert.That(data[1]["Bin"]!.Type, Is.EqualTo(JTokenType.Bytes));
        Assert.That((byte[])data[1]["Bin"]!, Is.EqualTo((byte[])[1, 2]));
        Assert.That(data[1]["List"]!.ToString(Formatting.None), Is.EqualTo("[1,2]"));
        Assert.That((byte[])data[2]!, Is.EqualTo((byte[])[3]));
        Assert.That(data[3]!.Type, Is.EqualTo(JTokenType.Null));
    }

    [Test]
    public async Task TheJsonSerializerSettings_ShapeTheArguments()
    {
        var emitter = NewEmitter(new RedisEmitterOptions { JsonSerializerSettings = new JsonSerializerSettings { ContractResolver = new CamelCasePropertyNamesContractResolver() } });

        await emitter.EmitAsync("ev", new { UserName = "ann" });
        await emitter.ServerSideEmitAsync("ev", new { UserName = "bob" });

        Assert.That(Broadcast(0)[1]["data"]![1]!["userName"]!.Value<string>(), Is.EqualTo("ann"));
        Assert.That(System.Text.Encoding.UTF8.GetString(_published[1].Payload), Is.EqualTo("""{"uid":"emitter","type":6,"data":["ev",{"userName":"bob"}]}"""));
    }

    [Test]
    public async Task TheParser_EncodesBroadcasts_WhileRequestsStayJson()
    {
        JToken? seen = null;
        var emitter = NewEmitter(new RedisEmitterOptions
        {
            Parser = message =>
            {
                seen = message;
                return [0xAB];
            },
        });

        await emitter.To("r").EmitAsync("ev", 1);
        await emitter.SocketsJoinAsync("x");

        Assert.That(_published[0].Channel, Is.EqualTo("socket.io#/#r#"));
        Assert.That(_published[0].Payload, Is.EqualTo((byte[])[0xAB]));
        Assert.That(seen!.ToString(Formatting.None), Is.EqualTo("""["emitter",{"type":2,"data":["ev",1],"nsp":"/"},{"rooms":["r"],"flags":{},"except":[]}]"""));
        Assert.That(System.Text.Encoding.UTF8.GetString(_published[1].Payload), Is.EqualTo("""{"type":2,"opts":{"rooms":[],"except":[]},"rooms":["x"]}"""));
    }

    [Test]
    public async Task AnOperator_IsImmutable_EachModifierMakesANewOne()
    {
        var emitter = NewEmitter();
        var toA = emitter.To("a");

        _ = toA.To("b");
        _ = toA.Except("x");
        _ = toA.Volatile;
        _ = toA.Compress(false);
        await toA.EmitAsync("ev");

        Assert.That(_published[0].Channel, Is.EqualTo("socket.io#/#a#"));
        Assert.That(Broadcast(0)[2].ToString(Formatting.None), Is.EqualTo("""{"rooms":["a"],"flags":{},"except":[]}"""));
    }

    [Test]
    public async Task Of_MakesAnEmitterOfThatNamespace_AndLeavesThisOneAlone()
    {
        var emitter = NewEmitter(new RedisEmitterOptions { Key = "k" });
        var chat = emitter.Of("chat");

        await chat.EmitAsync("ev");
        await emitter.EmitAsync("ev");

        Assert.That((chat.Namespace, emitter.Namespace, emitter.Of("/x").Namespace), Is.EqualTo(("/chat", "/", "/x")));
        Assert.That(_published.Select(p => p.Channel), Is.EqualTo((string[])["k#/chat#", "k#/#"]));
    }

    [TestCase("connect")]
    [TestCase("connection")]
    [TestCase("new_namespace")]
    public void ServerSideEmit_RefusesTheNamesANamespaceReserves(string name)
    {
        var emitter = NewEmitter();

        var error = Assert.Throws<ArgumentException>(() => emitter.ServerSideEmitAsync(name, 1));

        Assert.That(error!.Message, Does.StartWith($"\"{name}\" is a reserved event name"));
        Assert.That(_published, Is.Empty);
    }

    [Test]
    public void ServerSideEmit_RefusesAnAck_AsNodesEmitterDoes()
    {
        var emitter = NewEmitter();

        var error = Assert.Throws<NotSupportedException>(() => emitter.ServerSideEmitAsync("ev", 1, new Func<JToken, Task>(_ => Task.CompletedTask)));

        Assert.That(error!.Message, Is.EqualTo("Acknowledgements are not supported"));
        Assert.That(_published, Is.Empty);
    }

    [Test]
    public void NullArguments_AreRefused()
    {
        var emitter = NewEmitter();

        Assert.Throws<ArgumentNullException>(() => emitter.EmitAsync(null!));
        Assert.Throws<ArgumentNullException>(() => emitter.To(null!));
        Assert.Throws<ArgumentNullException>(() => emitter.To("a", null!));
        Assert.Throws<ArgumentNullException>(() => emitter.Except(null!));
        Assert.Throws<ArgumentNullException>(() => emitter.SocketsJoinAsync(null!));
        Assert.Throws<ArgumentNullException>(() => emitter.SocketsLeaveAsync("a", null!));
        Assert.Throws<ArgumentNullException>(() => emitter.Of(null!));
        Assert.Throws<ArgumentNullException>(() => emitter.ServerSideEmitAsync(null!));
        Assert.Throws<ArgumentNullException>(() => _ = new RedisEmitter((StackExchange.Redis.IConnectionMultiplexer)null!));
        Assert.Throws<ArgumentNullException>(() => _ = new RedisEmitter((RedisConnection)null!));
        Assert.That(_published, Is.Empty);
    }

    [Test]
    public void AnEmptyKey_OrNoParser_IsRefusedWhenTheEmitterIsMade()
    {
        Assert.Throws<ArgumentException>(() => NewEmitter(new RedisEmitterOptions { Key = "" }));
        Assert.Throws<ArgumentException>(() => NewEmitter(new RedisEmitterOptions { Parser = null! }));
    }

    [Test]
    public async Task TheOptions_AreReadOnce_WhenTheEmitterIsMade()
    {
        var options = new RedisEmitterOptions { Key = "first" };
        var emitter = NewEmitter(options);
        options.Key = "second";

        await emitter.EmitAsync("ev");

        Assert.That(_published[0].Channel, Is.EqualTo("first#/#"));
    }

    [Test]
    public void ACanceledToken_PublishesNothing()
    {
        var emitter = NewEmitter();
        using var canceled = new CancellationTokenSource();
        canceled.Cancel();

        Assert.That(emitter.EmitAsync("ev", [], canceled.Token).IsCanceled, Is.True);
        Assert.That(emitter.To("r").SocketsJoinAsync(["x"], canceled.Token).IsCanceled, Is.True);
        Assert.That(emitter.SocketsLeaveAsync(["x"], canceled.Token).IsCanceled, Is.True);
        Assert.That(emitter.DisconnectSocketsAsync(true, canceled.Token).IsCanceled, Is.True);
        Assert.That(emitter.ServerSideEmitAsync("ev", [], canceled.Token).IsCanceled, Is.True);
        Assert.That(_published, Is.Empty);
    }

    [Test]
    public async Task TheToken_CancelsTheWaitForRedis_AfterThePublishWasIssued()
    {
        var redis = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var issued = 0;
        var emitter = new RedisEmitter(_ =>
        {
            issued++;
            return redis.Task;
        }, null);
        using var cancel = new CancellationTokenSource();

        var emit = emitter.EmitAsync("ev", [], cancel.Token);
        Assert.That((issued, emit.IsCompleted), Is.EqualTo((1, false)));
        await cancel.CancelAsync();

        Assert.That(async () => await emit, Throws.InstanceOf<OperationCanceledException>());
        redis.SetResult();
    }

    [Test]
    public void EveryCall_IssuesItsPublishBeforeItReturns_SoUnawaitedCallsKeepTheirOrder()
    {
        var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var channels = new List<string>();
        var emitter = new RedisEmitter(m =>
        {
            channels.Add(m.Channel);
            return pending.Task;
        }, null);

        var calls = new[]
        {
            emitter.To("a").EmitAsync("1"),
            emitter.SocketsJoinAsync("x"),
            emitter.To("b").EmitAsync("2"),
            emitter.ServerSideEmitAsync("3"),
            emitter.DisconnectSocketsAsync(),
        };

        Assert.That(channels, Is.EqualTo((string[])["socket.io#/#a#", "socket.io-request#/#", "socket.io#/#b#", "socket.io-request#/#", "socket.io-request#/#"]));
        Assert.That(calls.Select(c => c.IsCompleted), Is.All.False, "each completes when Redis has taken it");
        pending.SetResult();
    }

    [Test]
    public void AFailedPublish_FailsTheCall()
    {
        var emitter = new RedisEmitter(_ => Task.FromException(new InvalidOperationException("down")), null);

        Assert.That(async () => await emitter.EmitAsync("ev"), Throws.InvalidOperationException.With.Message.EqualTo("down"));
    }
}
