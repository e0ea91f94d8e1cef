using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Broadcasting (socket.io test/messaging-many.ts): <c>io.emit</c>, rooms, <c>except</c>, <c>socket.broadcast</c>,
/// the volatile/compress/local flags, broadcast acknowledgements. A client's next frame being a later marker
/// proves that an earlier broadcast did not reach it (one ordered outbound queue per session).
/// </summary>
[TestFixture]
public sealed class MessagingManyTests
{
    private sealed record Client(SioRawClient Raw, SocketIoSocket Socket);

    private static async Task<Client[]> ConnectAsync(SioTestHost host, int count)
    {
        var clients = new Client[count];
        for (var i = 0; i < count; i++)
        {
            var raw = await host.OpenAsync();
            clients[i] = new Client(raw, host.Socket(await raw.ConnectNamespaceAsync()));
        }

        return clients;
    }

    /// <summary>Emits a marker to everyone and requires it to be each client's next frame.</summary>
    private static async Task AssertNothingElseAsync(SioTestHost host, params Client[] clients)
    {
        await host.Io.EmitAsync("marker");
        foreach (var client in clients)
        {
            Assert.That(await client.Raw.ReceiveTextAsync(), Is.EqualTo("""2["marker"]"""));
        }
    }

    [Test]
    public async Task IoEmit_ReachesEveryClientOfTheMainNamespace_AndNoOther()
    {
        await using var host = await SioTestHost.StartAsync();
        var clients = await ConnectAsync(host, 2);
        host.Io.Of("/a");
        await clients[1].Raw.ConnectNamespaceAsync("/a");

        await host.Io.EmitAsync("news", 1, "two");
        await host.Io.Of("/a").EmitAsync("for a");

        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("""2["news",1,"two"]"""));
        Assert.That(await clients[1].Raw.ReceiveTextsAsync(2), Is.EqualTo<string[]>(["""2["news",1,"two"]""", """2/a,["for a"]"""]));
        await AssertNothingElseAsync(host, clients);
    }

    [Test]
    public async Task To_ReachesTheMembersOfTheRoomOnly()
    {
        await using var host = await SioTestHost.StartAsync();
        var clients = await ConnectAsync(host, 3);
        await clients[0].Socket.JoinAsync("room");
        await clients[1].Socket.JoinAsync("room");

        await host.Io.To("room").EmitAsync("room-msg", "r1");

        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("""2["room-msg","r1"]"""));
        Assert.That(await clients[1].Raw.ReceiveTextAsync(), Is.EqualTo("""2["room-msg","r1"]"""));
        await AssertNothingElseAsync(host, clients);
    }

    [Test]
    public async Task ToSeveralRooms_ReachesEveryMemberOnce()
    {
        await using var host = await SioTestHost.StartAsync();
        var clients = await ConnectAsync(host, 3);
        await clients[0].Socket.JoinAsync("r1", "r2");
        await clients[1].Socket.JoinAsync("r2");

        await host.Io.To("r1").In("r2").EmitAsync("once");

        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("""2["once"]"""));
        Assert.That(await clients[1].Raw.ReceiveTextAsync(), Is.EqualTo("""2["once"]"""));
        await AssertNothingElseAsync(host, clients);
    }

    [Test]
    public async Task Except_LeavesOutTheMembersOfTheExcludedRooms()
    {
        await using var host = await SioTestHost.StartAsync();
        var clients = await ConnectAsync(host, 3);
        await clients[0].Socket.JoinAsync("vip");
        await clients[1].Socket.JoinAsync("vip", "banned");

        await host.Io.Except("banned").EmitAsync("all but banned");
        await host.Io.To("vip").Except("banned").EmitAsync("vip but banned");
        await host.Io.Except(clients[2].Socket.Id).EmitAsync("all but 2");

        Assert.That(await clients[0].Raw.ReceiveTextsAsync(3), Is.EqualTo<string[]>(["""2["all but banned"]""", """2["vip but banned"]""", """2["all but 2"]"""]));
        Assert.That(await clients[1].Raw.ReceiveTextAsync(), Is.EqualTo("""2["all but 2"]"""));
        Assert.That(await clients[2].Raw.ReceiveTextAsync(), Is.EqualTo("""2["all but banned"]"""));
        await AssertNothingElseAsync(host, clients);
    }

    [Test]
    public async Task SocketBroadcast_AndSocketTo_LeaveOutTheSender()
    {
        await using var host = await SioTestHost.StartAsync();
        var clients = await ConnectAsync(host, 3);
        foreach (var client in clients)
        {
            await client.Socket.JoinAsync("room");
        }

        await clients[0].Socket.Broadcast.EmitAsync("from 0");
        await clients[0].Socket.To("room").EmitAsync("room from 0");
        await clients[0].Socket.Except(clients[2].Socket.Id).EmitAsync("except 2 from 0");

        Assert.That(await clients[1].Raw.ReceiveTextsAsync(3), Is.EqualTo<string[]>(["""2["from 0"]""", """2["room from 0"]""", """2["except 2 from 0"]"""]));
        Assert.That(await clients[2].Raw.ReceiveTextsAsync(2), Is.EqualTo<string[]>(["""2["from 0"]""", """2["room from 0"]"""]));
        await AssertNothingElseAsync(host, clients);
    }

    [Test]
    public async Task BroadcastOperators_AreImmutable()
    {
        await using var host = await SioTestHost.StartAsync();
        var clients = await ConnectAsync(host, 2);
        await clients[0].Socket.JoinAsync("a");
        var toA = host.Io.To("a");

        var toAAndB = toA.To(clients[1].Socket.Id);
        await toA.EmitAsync("only a");
        await toAAndB.EmitAsync("a and b");

        Assert.That(await clients[0].Raw.ReceiveTextsAsync(2), Is.EqualTo<string[]>(["""2["only a"]""", """2["a and b"]"""]));
        Assert.That(await clients[1].Raw.ReceiveTextAsync(), Is.EqualTo("""2["a and b"]"""));
    }

    [Test]
    public async Task LocalAndCompressAndVolatile_StillDeliverToWritableClients()
    {
        await using var host = await SioTestHost.StartAsync();
        var clients = await ConnectAsync(host, 2);
        // A WebSocket is not writable while a frame is being sent (websocket.ts), and a volatile packet is then
        // dropped: wait until both transports are idle.
        await Signals.UntilAsync(() => clients.All(c => c.Socket.Connection.Conn.IsWritable), "both transports are idle");

        await host.Io.Volatile.EmitAsync("volatile");
        await host.Io.Local.EmitAsync("local");
        await host.Io.Compress(false).EmitAsync("uncompressed");
        await clients[0].Socket.Local.EmitAsync("socket local");

        Assert.That(await clients[0].Raw.ReceiveTextsAsync(3), Is.EqualTo<string[]>(["""2["volatile"]""", """2["local"]""", """2["uncompressed"]"""]));
        Assert.That(await clients[1].Raw.ReceiveTextsAsync(4), Is.EqualTo<string[]>(["""2["volatile"]""", """2["local"]""", """2["uncompressed"]""", """2["socket local"]"""]));
    }

    [Test]
    public async Task ABroadcast_IsEncodedOnce_TheSameEnginePacketsGoToEveryClient()
    {
        await using var server = new SioFakeServer();
        var (t1, _) = server.Connect();
        var (t2, _) = server.Connect();

        await server.Io.EmitAsync("bin", new byte[] { 1 });

        var first = SioFakeServer.Sent(t1);
        var second = SioFakeServer.Sent(t2);
        Assert.That(first.Select(p => p.ToString()), Is.EqualTo<string[]>(["""451-["bin",{"_placeholder":true,"num":0}]""", "Message <1 bytes>"]));
        Assert.That(second, Has.Count.EqualTo(2));
        Assert.That(second[0], Is.SameAs(first[0]));
        Assert.That(second[1], Is.SameAs(first[1]));
    }

    [Test]
    public async Task Volatile_IsDroppedForAClientThatCannotBeWrittenToRightNow()
    {
        await using var server = new SioFakeServer();
        var (busy, busySocket) = server.Connect();
        var (free, _) = server.Connect();
        busy.SetWritable(false);

        await server.Io.Volatile.EmitAsync("dropped when busy");
        await busySocket.Volatile.EmitAsync("dropped too");
        await busySocket.EmitAsync("kept");
        busy.BecomeReady();

        Assert.That(SioFakeServer.Sent(busy).Select(p => p.ToString()), Is.EqualTo<string[]>(["""42["kept"]"""]));
        Assert.That(SioFakeServer.Sent(free).Select(p => p.ToString()), Is.EqualTo<string[]>(["""42["dropped when busy"]"""]));
    }

    [Test]
    public async Task Compress_SetsTheCompressFlagOfThePackets()
    {
        await using var server = new SioFakeServer();
        var (transport, socket) = server.Connect();

        await socket.EmitAsync("default");
        await socket.Compress(false).EmitAsync("socket off");
        await server.Io.Compress(false).EmitAsync("io off");
        await server.Io.Compress(true).EmitAsync("io on");

        Assert.That(SioFakeServer.Sent(transport).Select(p => (p.ToString(), p.Compress)), Is.EqualTo<(string, bool)[]>([
            ("""42["default"]""", true), ("""42["socket off"]""", false), ("""42["io off"]""", false), ("""42["io on"]""", true)]));
    }

    [Test]
    public async Task BroadcastEmitWithAck_CollectsOneResponsePerClient()
    {
        await using var host = await SioTestHost.StartAsync();
        var clients = await ConnectAsync(host, 3);
        await clients[0].Socket.JoinAsync("asked");
        await clients[1].Socket.JoinAsync("asked");

        var responses = host.Io.To("asked").Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("question", 1);
        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("""20["question",1]"""));
        Assert.That(await clients[1].Raw.ReceiveTextAsync(), Is.EqualTo("""20["question",1]"""), "one packet, one id for every client");
        await clients[0].Raw.SendAsync("""30["a"]""");
        await clients[1].Raw.SendAsync("""30["b",{"ignored":true}]""");

        var result = await responses.Within("both responses");
        Assert.That(result.Select(r => (string?)r), Is.EquivalentTo(new List<string> { "a", "b" }));
        await AssertNothingElseAsync(host, clients);
    }

    [Test]
    public async Task BroadcastEmitWithAck_OnTimeout_FailsWithThePartialResponses()
    {
        await using var host = await SioTestHost.StartAsync();
        var clients = await ConnectAsync(host, 2);
        var timeout = TimeSpan.FromSeconds(5);

        var responses = host.Io.Timeout(timeout).EmitWithAckAsync("question");
        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("""20["question"]"""));
        Assert.That(await clients[1].Raw.ReceiveTextAsync(), Is.EqualTo("""20["question"]"""));
        await clients[0].Raw.SendAsync("""30["answered"]""");
        // The ack is resolved on the receive path, before any later event of the same client is handled.
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        clients[0].Socket.On("after-ack", _ =>
        {
            marker.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await clients[0].Raw.SendAsync("""2["after-ack"]""");
        await marker.Task.WithTimeout("the event after the ack");
        Assert.That(responses.IsCompleted, Is.False);

        host.Time.Advance(timeout);

        var error = Assert.ThrowsAsync<SocketIoTimeoutException>(() => responses.Within("the timeout"));
        Assert.That(error!.Message, Is.EqualTo("operation has timed out"));
        Assert.That(error.Responses.Select(r => (string?)r), Is.EqualTo<string[]>(["answered"]));

        await clients[1].Raw.SendAsync("""30["late"]""");
        await AssertNothingElseAsync(host, clients);
    }

    [Test]
    public async Task BroadcastEmitWithAck_ToNobody_CompletesAtOnceWithNoResponse()
    {
        await using var host = await SioTestHost.StartAsync();

        var responses = await host.Io.To("empty room").Timeout(TimeSpan.FromSeconds(1)).EmitWithAckAsync("question").Within("the broadcast");

        Assert.That(responses, Is.Empty);
    }

    [Test]
    public async Task SocketIOClients_ReceiveBroadcasts_AndAnswerBroadcastAcks()
    {
        await using var host = await SioTestHost.StartAsync();
        var received = new SioRecorder<string>();
        var clients = new List<SocketIOClient.SocketIO>();
        for (var i = 0; i < 2; i++)
        {
            var client = await host.ConnectClientAsync("/", i == 1 ? o => o.Transport = SocketIOClient.Transport.TransportProtocol.Polling : null);
            var name = "client" + i;
            client.On("news", r => received.Add($"{name}:{r.GetValue(0).GetProperty("title").GetString()}"));
            client.On("vote", r => _ = r.CallbackAsync(name));
            clients.Add(client);
        }

        await host.Io.EmitAsync("news", new JObject { ["title"] = "x" });
        Assert.That(await received.WaitForAsync(2, "the news on both clients"), Is.EquivalentTo(new List<string> { "client0:x", "client1:x" }));

        var votes = await host.Io.Timeout(Signals.DefaultTimeout).EmitWithAckAsync("vote").Within("both votes");
        Assert.That(votes.Select(v => (string?)v), Is.EquivalentTo(new List<string> { "client0", "client1" }));
    }
}
