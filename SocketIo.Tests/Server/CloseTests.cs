using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Protocol;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// How sockets and connections end, with Node's exact reasons (socket.io test/close.ts and socket.ts
/// "disconnect"; protocol.md "Disconnect reasons" and "Server-side connection rules").
/// </summary>
[TestFixture]
public sealed class CloseTests
{
    /// <summary>A host that records "namespace:reason" for every socket of <c>/</c> and <c>/a</c> that leaves.</summary>
    private static async Task<(SioTestHost Host, SioRecorder<string> Reasons)> StartAsync(Action<SocketIo.Server.SocketIoOptions>? configure = null)
    {
        var host = await SioTestHost.StartAsync(configure);
        var reasons = new SioRecorder<string>();
        foreach (var nsp in new[] { host.Io.Sockets, host.Io.Of("/a") })
        {
            nsp.OnConnection((socket, _) =>
            {
                socket.OnDisconnect(reason => reasons.AddAsync(socket.Namespace.Name + ":" + reason.ToWireString()));
                return ValueTask.CompletedTask;
            });
        }

        return (host, reasons);
    }

    [Test]
    public async Task CloseAsync_DisconnectsEverySocketWithServerShuttingDown_AndClosesEverySession()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var first = await host.OpenAsync();
        await first.ConnectNamespaceAsync("/");
        await first.ConnectNamespaceAsync("/a");
        using var second = await host.ConnectAsync();

        await host.Io.CloseAsync();

        Assert.That(await reasons.WaitForAsync(3, "every socket to leave"), Is.EquivalentTo(new List<string> { "/:server shutting down", "/a:server shutting down", "/:server shutting down" }));
        await first.WaitForCloseAsync();
        await second.WaitForCloseAsync();
        Assert.That(first.Drain(), Is.Empty, "Node sends no DISCONNECT on io.close(): the transport just closes");
        Assert.That(host.Io.Sockets.Sockets, Is.Empty);
        Assert.That(host.Io.Of("/a").Sockets, Is.Empty);
        await Signals.UntilAsync(() => host.Io.Engine.ClientsCount == 0, "every session has closed");
    }

    [Test]
    public async Task AfterCloseAsync_NewClientsAreRefused_OverPollingAndWebSocket()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        await host.Io.CloseAsync();

        using var http = new HttpClient { Timeout = Signals.DefaultTimeout };
        using var polling = await http.GetAsync(new Uri(host.Url, "/socket.io/?EIO=4&transport=polling"));
        var upgrade = Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => host.OpenAsync());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(polling.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.ServiceUnavailable), "Node's io.close() closes its HTTP server");
            Assert.That(upgrade!.Message, Does.Contain("503"));
            Assert.That(host.Io.Engine.ClientsCount, Is.Zero);
            Assert.That(reasons.Count, Is.Zero);
        }
    }

    [Test]
    public async Task SocketDisconnect_SendsDisconnect_WithServerNamespaceDisconnect_AndTheSessionStays()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var client = await host.OpenAsync();
        var main = host.Socket(await client.ConnectNamespaceAsync("/"));
        var a = host.Socket(await client.ConnectNamespaceAsync("/a"), "/a");

        await a.DisconnectAsync();
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("1/a,"));
        await main.DisconnectAsync();
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("1"));

        Assert.That(await reasons.WaitForAsync(2, "both sockets to leave"), Is.EqualTo<string[]>(["/a:server namespace disconnect", "/:server namespace disconnect"]));
        Assert.That(main.Connected, Is.False);
        Assert.That(main.Disconnected.IsCancellationRequested, Is.True);
        Assert.That(host.Io.Engine.ClientsCount, Is.EqualTo(1));
        await client.ConnectNamespaceAsync("/");
    }

    [Test]
    public async Task SocketDisconnectTrue_LeavesEveryNamespaceOfTheConnection_ThenClosesIt()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var client = await host.OpenAsync();
        var main = host.Socket(await client.ConnectNamespaceAsync("/"));
        await client.ConnectNamespaceAsync("/a");
        using var bystander = await host.ConnectAsync();

        await main.DisconnectAsync(close: true);

        Assert.That(await client.ReceiveTextsAsync(2), Is.EquivalentTo(new List<string> { "1", "1/a," }));
        await client.WaitForCloseAsync();
        Assert.That(await reasons.WaitForAsync(2, "both sockets to leave"), Is.EquivalentTo(new List<string> { "/:server namespace disconnect", "/a:server namespace disconnect" }));
        Assert.That(host.Io.Sockets.Sockets, Has.Count.EqualTo(1), "other connections are untouched");
    }

    [Test]
    public async Task AClientDisconnectPacket_GivesClientNamespaceDisconnect()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var client = await host.ConnectAsync();

        await client.SendAsync("1");

        Assert.That(await reasons.FirstAsync("the socket to leave"), Is.EqualTo("/:client namespace disconnect"));
    }

    [Test]
    public async Task TheClientDroppingTheConnection_GivesTransportClose()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var client = await host.OpenAsync();
        await client.ConnectNamespaceAsync("/");
        await client.ConnectNamespaceAsync("/a");

        client.Abort();

        Assert.That(await reasons.WaitForAsync(2, "the sockets to leave"), Is.EquivalentTo(new List<string> { "/:transport close", "/a:transport close" }));
    }

    [Test]
    public async Task NoPong_GivesPingTimeout()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var client = await host.ConnectAsync();
        client.AnswerPings = false;
        var engine = host.Io.Engine.Options;

        host.Time.Advance(engine.PingInterval);
        await Signals.UntilAsync(() => client.Pings == 1, "the client has the ping");
        host.Time.Advance(engine.PingTimeout);

        Assert.That(await reasons.FirstAsync("the socket to leave"), Is.EqualTo("/:ping timeout"));
        await client.WaitForCloseAsync();
    }

    [TestCase("2[]", "invalid payload", TestName = "{m}(an empty event)")]
    [TestCase("""2["disconnect"]""", "invalid payload", TestName = "{m}(a reserved event name)")]
    [TestCase("9", "unknown packet type 9", TestName = "{m}(an unknown type)")]
    [TestCase("""511-["a"]""", "too many attachments", TestName = "{m}(too many attachments)")]
    public async Task AnInvalidPacket_ClosesTheConnection_WithForcedClose_AndReachesOnError(string packet, string message)
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        var errors = new SioRecorder<Exception>();
        host.Io.OnConnection((socket, _) =>
        {
            socket.OnError(errors.AddAsync);
            return ValueTask.CompletedTask;
        });
        using var client = await host.ConnectAsync();

        await client.SendAsync(packet);

        Assert.That(await reasons.FirstAsync("the socket to leave"), Is.EqualTo("/:forced close"));
        var error = await errors.FirstAsync("the protocol error");
        Assert.That(error, Is.TypeOf<SocketIoProtocolException>().With.Message.EqualTo(message));
        await client.WaitForCloseAsync();
    }

    [Test]
    public async Task AnAttachmentWhenNoneIsExpected_ClosesTheConnection_WithForcedClose()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var client = await host.ConnectAsync();

        await client.SendBinaryAsync([1, 2, 3]);

        Assert.That(await reasons.FirstAsync("the socket to leave"), Is.EqualTo("/:forced close"));
        await client.WaitForCloseAsync();
    }

    [Test]
    public async Task TextWhileAttachmentsAreExpected_ClosesTheConnection_WithForcedClose()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var client = await host.ConnectAsync();

        await client.SendAsync("""51-["bin",{"_placeholder":true,"num":0}]""");
        await client.SendAsync("""2["text"]""");

        Assert.That(await reasons.FirstAsync("the socket to leave"), Is.EqualTo("/:forced close"));
        await client.WaitForCloseAsync();
    }

    [Test]
    public async Task AnInvalidStatePacket_OverWebSocket_GivesForcedClose()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var client = await host.ConnectAsync();

        await client.SendAsync("""2/a,["not joined"]""");

        // The WebSocket closes at once, so the engine's "forced close" comes first (protocol.md reasons table).
        Assert.That(await reasons.FirstAsync("the socket to leave"), Is.EqualTo("/:forced close"));
    }

    [Test]
    public async Task AnInvalidStatePacket_OverPollingWithoutAPendingGet_GivesForcedServerClose()
    {
        var (host, reasons) = await StartAsync();
        await using var owner = host;
        using var client = host.CreatePollingClient();
        await client.OpenAsync();
        await client.PostAsync("0");
        Assert.That((await client.ReceiveAsync())[0], Does.StartWith("0{\"sid\":"));

        // The POST that caused the close is answered: polling.ts doClose destroys only a data request whose body is
        // unread.
        await client.PostAsync("""2/a,["not joined"]""");

        // No GET to carry the close: the engine close is deferred, and client.ts close() reports "forced server close".
        Assert.That(await reasons.FirstAsync("the socket to leave"), Is.EqualTo("/:forced server close"));
        Assert.That(await client.PollAsync(), Does.Contain("1"), "the next poll carries the close packet");
    }

    [Test]
    public async Task ConnectTimeout_ClosesAConnectionThatJoinsNoNamespace()
    {
        var timeout = TimeSpan.FromSeconds(10);
        var (host, _) = await StartAsync(o => o.ConnectTimeout = timeout);
        await using var owner = host;
        using var client = await host.OpenAsync();
        // The open packet may reach the client before the Socket.IO layer has taken the session (and armed its timer).
        await Signals.UntilAsync(() => host.Io.Engine.Clients.SingleOrDefault() is { } session && host.Io.ClientOf(session) is not null, "the Socket.IO layer has the session");

        host.Time.Advance(timeout - TimeSpan.FromMilliseconds(1));
        Assert.That(host.Io.Engine.ClientsCount, Is.EqualTo(1));
        host.Time.Advance(TimeSpan.FromMilliseconds(1));

        await client.WaitForCloseAsync();
        await Signals.UntilAsync(() => host.Io.Engine.ClientsCount == 0, "the session has closed");
    }

    [Test]
    public async Task ConnectTimeout_DefaultsToNodes45Seconds()
    {
        await using var host = await SioTestHost.StartAsync();
        Assert.That(host.Io.Options.ConnectTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(45000)));
    }

    [Test]
    public async Task ConnectTimeout_DoesNotCloseAConnectionThatJoined_EvenAfterItLeavesAgain()
    {
        var timeout = TimeSpan.FromSeconds(10);
        var (host, reasons) = await StartAsync(o => o.ConnectTimeout = timeout);
        await using var owner = host;
        using var client = await host.ConnectAsync();
        await client.SendAsync("1");
        await reasons.FirstAsync("the socket to leave");

        host.Time.Advance(timeout * 2);

        Assert.That(host.Io.Engine.ClientsCount, Is.EqualTo(1));
        await client.ConnectNamespaceAsync("/");
    }

    [Test]
    public async Task TheConnectionHandlersToken_FiresWhenTheSocketLeaves()
    {
        await using var host = await SioTestHost.StartAsync();
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.OnConnection(async (socket, token) =>
        {
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var registration = token.Register(() => cancelled.TrySetResult());
            await cancelled.Task;
            left.TrySetResult();
        });
        using var client = await host.ConnectAsync();

        await client.SendAsync("1");

        await left.Task.WithTimeout("the token to fire");
    }

    [Test]
    public async Task DisconnectingRunsBeforeDisconnect_WithTheSameReason()
    {
        await using var host = await SioTestHost.StartAsync();
        var events = new SioRecorder<string>();
        host.Io.OnConnection((socket, _) =>
        {
            socket.OnDisconnecting(r => events.AddAsync("disconnecting:" + r.ToWireString()));
            socket.OnDisconnect(r => events.AddAsync("disconnect:" + r.ToWireString()));
            return ValueTask.CompletedTask;
        });
        using var client = await host.ConnectAsync();

        await client.SendAsync("1");

        Assert.That(await events.WaitForAsync(2, "both handlers"), Is.EqualTo<string[]>(["disconnecting:client namespace disconnect", "disconnect:client namespace disconnect"]));
    }
}
