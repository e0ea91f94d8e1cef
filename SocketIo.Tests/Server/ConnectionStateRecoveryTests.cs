using System.Text.Json.Nodes;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Connection state recovery on one server (socket.io 4.6+ <c>connectionStateRecovery</c> with the in-memory
/// <c>SessionAwareAdapter</c>), over raw WebSocket clients so every frame and its order is seen.
/// </summary>
[TestFixture]
public sealed class ConnectionStateRecoveryTests
{
    private static Task<SioTestHost> StartAsync(Action<ConnectionStateRecoveryOptions>? configure = null, Action<SocketIoOptions>? more = null) =>
        SioTestHost.StartAsync(o =>
        {
            o.ConnectionStateRecovery = new ConnectionStateRecoveryOptions();
            configure?.Invoke(o.ConnectionStateRecovery);
            more?.Invoke(o);
        });

    /// <summary>A client connected to <c>/</c>: its socket id and private session id from the CONNECT reply.</summary>
    private sealed record Session(SioRawClient Client, string Sid, string Pid);

    private static async Task<Session> ConnectAsync(SioTestHost host, string? authJson = null)
    {
        var client = await host.OpenAsync();
        await client.SendAsync("0" + authJson);
        var reply = await client.ReceiveTextAsync();
        return ParseConnect(client, reply);
    }

    private static Session ParseConnect(SioRawClient client, string reply)
    {
        Assert.That(reply, Does.StartWith("0{"), "a CONNECT reply");
        var data = JsonNode.Parse(reply[1..])!.AsObject();
        Assert.That(data.Select(p => p.Key), Is.EqualTo<string[]>(["sid", "pid"]), "Node's CONNECT data: sid, then pid");
        return new Session(client, (string)data["sid"]!, (string)data["pid"]!);
    }

    /// <summary>The last argument of an event frame: its offset.</summary>
    private static string OffsetOf(string frame) => (string)JArray.Parse(frame[frame.IndexOf('[', StringComparison.Ordinal)..]).Last!;

    private static async Task LoseConnectionAsync(SioTestHost host, Session session)
    {
        var socket = host.Socket(session.Sid);
        session.Client.Abort();
        await DisconnectedAsync(socket, "the server to see the connection lost");
    }

    private static Task DisconnectedAsync(SocketIoSocket socket, string what)
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.Disconnected.Register(() => gone.TrySetResult());
        return gone.Task.WithTimeout(what);
    }

    [Test]
    public async Task TheConnectReply_CarriesAPrivateSessionId_AndEventsCarryTheirOffsetLast()
    {
        await using var host = await StartAsync();
        var a = await ConnectAsync(host);
        var socket = host.Socket(a.Sid);

        await host.Io.EmitAsync("news", 1);
        await socket.EmitAsync("direct", "x");
        await socket.Volatile.EmitAsync("volatile");
        var frames = await a.Client.ReceiveTextsAsync(3);

        Assert.That(frames[0], Does.Match("""^2\["news",1,"[0-9A-Za-z_-]+(\.[0-9A-Za-z_-]+)?"\]$"""));
        Assert.That(frames[1], Does.Match("""^2\["direct","x","[0-9A-Za-z_-]+(\.[0-9A-Za-z_-]+)?"\]$"""), "a direct emit is kept too (socket.ts emit goes through the adapter)");
        Assert.That(OffsetOf(frames[1]), Is.Not.EqualTo(OffsetOf(frames[0])));
        Assert.That(frames[2], Is.EqualTo("""2["volatile"]"""), "volatile packets get no offset and are not kept");
        Assert.That(a.Pid, Is.Not.EqualTo(a.Sid).And.Not.EqualTo(host.Socket(a.Sid).Conn.Id));
    }

    [Test]
    public async Task AClientThatComesBack_GetsItsIdRoomsDataAndEveryMissedPacket_InOrder_BeforeTheConnectReply()
    {
        await using var host = await StartAsync();
        var a = await ConnectAsync(host);
        var other = await ConnectAsync(host);
        var socket = host.Socket(a.Sid);
        await socket.JoinAsync("room");
        socket.Data = new JObject { ["user"] = "ada" };
        await host.Io.EmitAsync("seen", 1);
        var lastSeen = OffsetOf(await a.Client.ReceiveTextAsync());

        await LoseConnectionAsync(host, a);
        await host.Io.To("room").EmitAsync("missed", 2);
        await host.Io.EmitAsync("missed", 3, new byte[] { 1, 2 });
        await host.Io.To("elsewhere").EmitAsync("not for it", 4);
        await host.Io.Except("room").EmitAsync("not for it either", 5);
        // A broadcast with an ack is not kept (its ack could not be restored).
        _ = host.Io.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("with ack");

        var back = await host.OpenAsync();
        await back.SendAsync($$"""0{"pid":"{{a.Pid}}","offset":"{{lastSeen}}"}""");
        var first = await back.ReceiveTextAsync();
        Assert.That(first, Does.StartWith("""2["missed",2,"""));
        var binary = await back.ReceiveTextAsync();
        Assert.That(binary, Does.StartWith("""51-["missed",3,{"_placeholder":true,"num":0},"""), "binary packets are kept and replayed too");
        Assert.That(await back.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 1, 2 }));
        var recovered = ParseConnect(back, await back.ReceiveTextAsync());

        Assert.That((recovered.Sid, recovered.Pid), Is.EqualTo((a.Sid, a.Pid)));
        var again = host.Socket(a.Sid);
        Assert.That(again.Recovered, Is.True);
        Assert.That(again.Rooms, Does.Contain("room").And.Contain(a.Sid));
        Assert.That(again.Data.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("""{"user":"ada"}"""));
        Assert.That(host.Socket(other.Sid).Recovered, Is.False);

        // Nothing else was replayed: the next frame is a new broadcast.
        await host.Io.EmitAsync("marker");
        Assert.That(await back.ReceiveTextAsync(), Does.StartWith("""2["marker","""));
    }

    [Test]
    public async Task ANamespaceDisconnect_IsNotRecoverable()
    {
        await using var host = await StartAsync();
        var a = await ConnectAsync(host);
        await host.Io.EmitAsync("seen");
        var lastSeen = OffsetOf(await a.Client.ReceiveTextAsync());
        var socket = host.Socket(a.Sid);
        await a.Client.SendAsync("1");
        await DisconnectedAsync(socket, "the namespace disconnect");

        var back = await ConnectAsync(host, $$"""{"pid":"{{a.Pid}}","offset":"{{lastSeen}}"}""");

        Assert.That(back.Sid, Is.Not.EqualTo(a.Sid));
        Assert.That(back.Pid, Is.Not.EqualTo(a.Pid));
        Assert.That(host.Socket(back.Sid).Recovered, Is.False);
    }

    [Test]
    public async Task AServerSideDisconnect_IsNotRecoverable()
    {
        await using var host = await StartAsync();
        var a = await ConnectAsync(host);
        await host.Io.EmitAsync("seen");
        var lastSeen = OffsetOf(await a.Client.ReceiveTextAsync());
        await host.Socket(a.Sid).DisconnectAsync();

        var back = await ConnectAsync(host, $$"""{"pid":"{{a.Pid}}","offset":"{{lastSeen}}"}""");

        Assert.That(back.Sid, Is.Not.EqualTo(a.Sid));
    }

    [TestCase("""{"pid":"unknown","offset":"x"}""", TestName = "An unknown pid gets a fresh socket")]
    [TestCase("""{"pid":12,"offset":"x"}""", TestName = "A pid that is not a string gets a fresh socket")]
    [TestCase("""{"pid":"PID"}""", TestName = "A pid without an offset gets a fresh socket")]
    [TestCase("""{"pid":"PID","offset":"not-an-offset"}""", TestName = "An offset that was never sent gets a fresh socket")]
    [TestCase("""{"pid":"PID","offset":["OFFSET"]}""", TestName = "A malformed offset gets a fresh socket")]
    public async Task BadRecoveryData_GetsAFreshSocket_AndNothingOfTheSession(string authTemplate)
    {
        await using var host = await StartAsync();
        var a = await ConnectAsync(host);
        await host.Io.EmitAsync("seen");
        var lastSeen = OffsetOf(await a.Client.ReceiveTextAsync());
        await LoseConnectionAsync(host, a);
        await host.Io.EmitAsync("missed");

        var back = await ConnectAsync(host, authTemplate.Replace("PID", a.Pid, StringComparison.Ordinal).Replace("OFFSET", lastSeen, StringComparison.Ordinal));

        Assert.That(back.Sid, Is.Not.EqualTo(a.Sid));
        Assert.That(host.Socket(back.Sid).Recovered, Is.False);
        await host.Io.EmitAsync("marker");
        Assert.That(await back.Client.ReceiveTextAsync(), Does.StartWith("""2["marker","""), "no missed packet of another session");
    }

    [Test]
    public async Task ASessionExpires_AfterMaxDisconnectionDuration()
    {
        await using var host = await StartAsync(o => o.MaxDisconnectionDuration = TimeSpan.FromSeconds(30));
        var a = await ConnectAsync(host);
        await host.Io.EmitAsync("seen");
        var lastSeen = OffsetOf(await a.Client.ReceiveTextAsync());
        await LoseConnectionAsync(host, a);

        host.Time.Advance(TimeSpan.FromSeconds(30) + TimeSpan.FromMilliseconds(1));
        var back = await ConnectAsync(host, $$"""{"pid":"{{a.Pid}}","offset":"{{lastSeen}}"}""");

        Assert.That(back.Sid, Is.Not.EqualTo(a.Sid));
    }

    [Test]
    public async Task ASessionIsGivenBackOnce()
    {
        await using var host = await StartAsync();
        var a = await ConnectAsync(host);
        await host.Io.EmitAsync("seen");
        var lastSeen = OffsetOf(await a.Client.ReceiveTextAsync());
        await LoseConnectionAsync(host, a);
        var auth = $$"""{"pid":"{{a.Pid}}","offset":"{{lastSeen}}"}""";

        var first = await ConnectAsync(host, auth);
        var second = await ConnectAsync(host, auth);

        Assert.That(first.Sid, Is.EqualTo(a.Sid));
        Assert.That(second.Sid, Is.Not.EqualTo(a.Sid), "a replayed private id finds nothing");
    }

    [Test]
    public async Task TheStore_IsSweptByOneTimer_AndBoundedInPackets()
    {
        await using var host = await StartAsync(o =>
        {
            o.MaxDisconnectionDuration = TimeSpan.FromSeconds(10);
            o.MaxStoredPackets = 2;
        });
        var adapter = (SessionAwareAdapter)host.Io.Sockets.Adapter;
        var a = await ConnectAsync(host);
        await host.Io.EmitAsync("seen");
        var lastSeen = OffsetOf(await a.Client.ReceiveTextAsync());
        await LoseConnectionAsync(host, a);
        for (var i = 0; i < 3; i++)
        {
            await host.Io.EmitAsync("missed", i);
        }

        Assert.That((adapter.SessionCount, adapter.StoredPacketCount), Is.EqualTo((1, 2)));
        host.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.That((adapter.SessionCount, adapter.StoredPacketCount), Is.EqualTo((0, 0)), "the minute's sweep removed what expired");

        var back = await ConnectAsync(host, $$"""{"pid":"{{a.Pid}}","offset":"{{lastSeen}}"}""");
        Assert.That(back.Sid, Is.Not.EqualTo(a.Sid));
    }

    [Test]
    public async Task AnOffsetPushedOutOfTheStore_GetsAFreshSocket_NeverAPartialReplay()
    {
        await using var host = await StartAsync(o => o.MaxStoredPackets = 2);
        var a = await ConnectAsync(host);
        await host.Io.EmitAsync("seen");
        var lastSeen = OffsetOf(await a.Client.ReceiveTextAsync());
        await LoseConnectionAsync(host, a);
        await host.Io.EmitAsync("missed", 1);
        await host.Io.EmitAsync("missed", 2);

        var back = await ConnectAsync(host, $$"""{"pid":"{{a.Pid}}","offset":"{{lastSeen}}"}""");

        Assert.That(back.Sid, Is.Not.EqualTo(a.Sid));
    }

    [TestCase(true, 0, TestName = "A recovered socket skips the middlewares")]
    [TestCase(false, 1, TestName = "A recovered socket runs the middlewares when SkipMiddlewares is off")]
    public async Task SkipMiddlewares(bool skip, int callsOnRecovery)
    {
        var calls = 0;
        await using var host = await StartAsync(o => o.SkipMiddlewares = skip, o => { });
        host.Io.Use(async (_, next) =>
        {
            Interlocked.Increment(ref calls);
            await next();
        });
        var a = await ConnectAsync(host);
        await host.Io.EmitAsync("seen");
        var lastSeen = OffsetOf(await a.Client.ReceiveTextAsync());
        await LoseConnectionAsync(host, a);

        var back = await ConnectAsync(host, $$"""{"pid":"{{a.Pid}}","offset":"{{lastSeen}}"}""");

        Assert.That(back.Sid, Is.EqualTo(a.Sid));
        Assert.That(calls, Is.EqualTo(1 + callsOnRecovery));
    }

    [Test]
    public async Task WithRecoveryOff_TheConnectReplyHasNoPid_AndEventsNoOffset()
    {
        await using var host = await SioTestHost.StartAsync();
        var client = await host.OpenAsync();
        await client.SendAsync("0");
        Assert.That(await client.ReceiveTextAsync(), Does.Match("""^0\{"sid":"[^"]+"\}$"""));

        await host.Io.EmitAsync("news", 1);
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["news",1]"""));
    }
}
