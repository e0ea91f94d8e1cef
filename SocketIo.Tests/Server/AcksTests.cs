using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Acknowledgements both ways (socket.io test/socket.ts "acks"; protocol.md "Acks"), and the rule that the
/// receive path never waits for user handlers.
/// </summary>
[TestFixture]
public sealed class AcksTests
{
    private static async Task<(SioTestHost Host, SioRawClient Client, SocketIoSocket Socket)> StartAsync(Action<SocketIoSocket>? setup = null, string nsp = "/")
    {
        var host = await SioTestHost.StartAsync();
        var (client, socket) = await host.ConnectWithHandlerAsync(setup, nsp);
        return (host, client, socket);
    }

    [Test]
    public async Task AClientAck_IsAnsweredWithTheSameId_AndTheArgumentsAsAnArray()
    {
        var (host, client, _) = await StartAsync(s => s.On("ev", e => e.AckAsync("ok", 2, new { done = true })));
        await using var owner = host;

        await client.SendAsync("""25["ev","x"]""");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""35["ok",2,{"done":true}]"""));
    }

    [Test]
    public async Task AClientAckInANamespace_IsAnsweredInThatNamespace()
    {
        var (host, client, _) = await StartAsync(s => s.On("ev", e => e.AckAsync()), "/chat");
        await using var owner = host;

        await client.SendAsync("""2/chat,7["ev"]""");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("3/chat,7[]"));
    }

    [Test]
    public async Task AckAsync_SendsOnlyOnce()
    {
        var (host, client, _) = await StartAsync(s => s.On("ev", async e =>
        {
            await e.AckAsync("first");
            await e.AckAsync("second");
        }));
        await using var owner = host;

        await client.SendAsync("""25["ev"]""");
        await client.SendAsync("""26["ev"]""");

        Assert.That(await client.ReceiveTextsAsync(2), Is.EqualTo<string[]>(["""35["first"]""", """36["first"]"""]));
    }

    [Test]
    public async Task AckAsync_WithoutAnAckRequest_SendsNothing()
    {
        var acked = new SioRecorder<bool>();
        var (host, client, socket) = await StartAsync(s => s.On("ev", async e =>
        {
            await e.AckAsync("ignored");
            acked.Add(e.HasAck);
        }));
        await using var owner = host;

        await client.SendAsync("""2["ev"]""");
        Assert.That(await acked.FirstAsync("the handler"), Is.False);
        await socket.EmitAsync("marker");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["marker"]"""), "no ACK went out before the marker");
    }

    [Test]
    public async Task ServerAckIds_ComeFromOneCounterPerNamespace_SharedBySockets_StartingAtZero()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Of("/a");
        using var first = await host.OpenAsync();
        var s1 = host.Socket(await first.ConnectNamespaceAsync("/"));
        var a1 = host.Socket(await first.ConnectNamespaceAsync("/a"), "/a");
        using var second = await host.OpenAsync();
        var s2 = host.Socket(await second.ConnectNamespaceAsync("/"));

        _ = s1.EmitWithAckAsync("q");
        Assert.That(await first.ReceiveTextAsync(), Is.EqualTo("""20["q"]"""));
        _ = s2.EmitWithAckAsync("q");
        Assert.That(await second.ReceiveTextAsync(), Is.EqualTo("""21["q"]"""));
        _ = a1.EmitWithAckAsync("q");
        Assert.That(await first.ReceiveTextAsync(), Is.EqualTo("""2/a,0["q"]"""));
        _ = s1.EmitWithAckAsync("q");
        Assert.That(await first.ReceiveTextAsync(), Is.EqualTo("""22["q"]"""));
    }

    [Test]
    public async Task AServerAck_ResolvesWithTheFirstArgument()
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        var answer = socket.EmitWithAckAsync("question", "a", 1);
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["question","a",1]"""));
        await client.SendAsync("""30[{"x":[1,2]},"ignored"]""");

        Assert.That((await answer.WithTimeout("the ack"))!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("""{"x":[1,2]}"""));
    }

    [Test]
    public async Task AnEmptyAck_ResolvesWithNull()
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        var answer = socket.EmitWithAckAsync("question");
        await client.ReceiveTextAsync();
        await client.SendAsync("30[]");

        Assert.That(await answer.WithTimeout("the ack"), Is.Null);
    }

    [Test]
    public async Task AnAckForAnUnknownId_IsIgnored_AndAnAckArrivingTwiceFiresOnce()
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        await client.SendAsync("""399["nobody asked"]""");
        var answer = socket.EmitWithAckAsync("question");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["question"]"""));
        await client.SendAsync("""30["once"]""");
        await client.SendAsync("""30["twice"]""");

        Assert.That((string?)await answer.WithTimeout("the ack"), Is.EqualTo("once"));
        var next = socket.EmitWithAckAsync("again");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""21["again"]"""));
        await client.SendAsync("""31["fine"]""");
        Assert.That((string?)await next.WithTimeout("the second ack"), Is.EqualTo("fine"));
        Assert.That(socket.Connected, Is.True);
        Assert.That(host.Logs.Errors, Is.Empty);
    }

    [Test]
    public async Task AHandlerAwaitingAnAckFromItsOwnClient_DoesNotDeadlock_AndOtherEventsKeepFlowing()
    {
        var (host, client, _) = await StartAsync(s =>
        {
            s.On("ask", async e =>
            {
                var answer = await e.Socket.EmitWithAckAsync("question");
                await e.AckAsync("got " + (string?)answer);
            });
            s.On("ping", e => e.AckAsync("pong"));
        });
        await using var owner = host;

        await client.SendAsync("""21["ask"]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["question"]"""));

        await client.SendAsync("""22["ping"]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""32["pong"]"""), "the receive path is free while the first handler waits");

        await client.SendAsync("""30["42"]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""31["got 42"]"""));
    }

    [Test]
    public async Task ABlockedHandler_DoesNotHoldBackLaterEvents()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var order = new SioRecorder<string>();
        var (host, client, _) = await StartAsync(s =>
        {
            s.On("slow", async e =>
            {
                await gate.Task;
                order.Add("slow");
            });
            s.On("fast", e => order.AddAsync("fast"));
        });
        await using var owner = host;

        await client.SendAsync("""2["slow"]""");
        await client.SendAsync("""2["fast"]""");
        Assert.That(await order.FirstAsync("the fast handler"), Is.EqualTo("fast"));

        gate.SetResult();
        Assert.That(await order.WaitForAsync(2, "the slow handler"), Is.EqualTo<string[]>(["fast", "slow"]));
    }

    [Test]
    public async Task ABinaryAck_IsSentAsBinaryAck()
    {
        var (host, client, _) = await StartAsync(s => s.On("file", e => e.AckAsync(new { data = new byte[] { 1, 2 } })));
        await using var owner = host;

        await client.SendAsync("""25["file"]""");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""61-5[{"data":{"_placeholder":true,"num":0}}]"""));
        Assert.That(await client.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 1, 2 }));
    }

    [Test]
    public async Task AClientBinaryAck_ResolvesWithTheBytes()
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        var answer = socket.EmitWithAckAsync("want bytes");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["want bytes"]"""));
        await client.SendAsync("""61-0[{"_placeholder":true,"num":0}]""");
        await client.SendBinaryAsync([7, 8, 9]);

        var token = await answer.WithTimeout("the binary ack");
        Assert.That(token!.Type, Is.EqualTo(JTokenType.Bytes));
        Assert.That((byte[])token!, Is.EqualTo(new byte[] { 7, 8, 9 }));
    }

    [Test]
    public async Task SocketIOClient_AcksBothWays()
    {
        await using var host = await SioTestHost.StartAsync();
        var connected = new TaskCompletionSource<SocketIoSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.OnConnection((socket, _) =>
        {
            socket.On("greet", e => e.AckAsync("hello " + e.GetValue<string>(0)));
            connected.TrySetResult(socket);
            return ValueTask.CompletedTask;
        });
        var client = await host.ConnectClientAsync();
        client.On("question", response => _ = response.CallbackAsync(new { answer = response.GetValue<int>(0) * 2 }));
        var socket = await connected.Task.WithTimeout("the connection");

        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.EmitAsync("greet", response => reply.TrySetResult(response.GetValue<string>(0)), "ann");
        Assert.That(await reply.Task.WithTimeout("the server's ack"), Is.EqualTo("hello ann"));

        var answer = await socket.Timeout(Signals.DefaultTimeout).EmitWithAckAsync("question", 21).Within("the client's ack");
        Assert.That((int?)answer!["answer"], Is.EqualTo(42));
    }

    [Test]
    public async Task BroadcastAcks_ShareTheNamespaceCounter()
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        _ = host.Io.Timeout(TimeSpan.FromSeconds(1)).EmitWithAckAsync("all");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["all"]"""));
        _ = socket.EmitWithAckAsync("one");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""21["one"]"""));
    }

    [Test]
    public async Task ATypedAckValue_IsConvertedFromJson()
    {
        var (host, client, _) = await StartAsync(s => s.On("sum", e => e.AckAsync(e.Args.Sum(a => (int)a))));
        await using var owner = host;

        await client.SendAsync("""20["sum",1,2,3]""");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("30[6]"));
    }
}
