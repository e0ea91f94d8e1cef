using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>The polling → WebSocket upgrade (protocol.md "Upgrade").</summary>
[TestFixture]
public sealed class UpgradeTests
{
    private const string TransportMismatch = """{"code":3,"message":"Bad request"}""";

    private static async Task<EngineWebSocket> ProbeAsync(KestrelEngineHost host, string sid)
    {
        var ws = await host.ConnectWebSocketAsync($"EIO=4&transport=websocket&sid={sid}");
        await ws.SendTextAsync("2probe");
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("3probe"));
        return ws;
    }

    [Test]
    public async Task FullUpgrade_ProbeNoopUpgradeFlush_ThenPollingIsATransportMismatch()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var pending = await host.StartPendingPollAsync(socket);

        // 1–2: the WebSocket probe is answered on the WebSocket, and the pending GET is released with a noop
        // at once (the clock does not move).
        var ws = await ProbeAsync(host, handshake.Sid);
        Assert.That(await pending.WithTimeout("the pending GET to be released"), Is.EqualTo("6"));
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.Polling), "not switched before 5");

        // Messages sent meanwhile wait in the buffer …
        socket.Send("during upgrade");
        socket.Send(new byte[] { 9, 8 });

        // 3: … and go out on the WebSocket once the client sends 5.
        await ws.SendTextAsync("5");
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("4during upgrade"));
        var binary = await ws.ReceiveAsync();
        Assert.That(binary.Type, Is.EqualTo(WebSocketMessageType.Binary));
        Assert.That(binary.Data, Is.EqualTo(new byte[] { 9, 8 }));
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.WebSocket));
        Assert.That(socket.Upgraded, Is.True);

        // The session now lives on the WebSocket, both ways.
        await ws.SendTextAsync("4over ws");
        await host.Handler.WaitForMessageAsync(handshake.Sid, "over ws");
        socket.Send("to ws");
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("4to ws"));

        // 4: polling with that sid is a transport mismatch.
        using var get = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid));
        using var post = await host.PostAsync(handshake.Sid, "4late");
        Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await get.Content.ReadAsStringAsync(), Is.EqualTo(TransportMismatch));
        Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await post.Content.ReadAsStringAsync(), Is.EqualTo(TransportMismatch));
        Assert.That(host.Server.ClientsCount, Is.EqualTo(1));
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null);
    }

    [Test]
    public async Task GetArrivingAfterTheProbe_GetsNoopWithin100Milliseconds()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        await ProbeAsync(host, handshake.Sid);

        var poll = await host.StartPendingPollAsync(socket);
        Assert.That(poll.IsCompleted, Is.False);
        host.Time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.That(await poll.WithTimeout("the GET to be released"), Is.EqualTo("6"));
    }

    [Test]
    public async Task PacketsOtherThanProbeOrUpgrade_AbortTheUpgrade_PollingContinues()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var ws = await ProbeAsync(host, handshake.Sid);

        await ws.SendTextAsync("4not yet");
        var frame = await ws.ReceiveAsync();

        Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Close));
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.Polling));
        await host.PostOkAsync(handshake.Sid, "4polling");
        await host.Handler.WaitForMessageAsync(handshake.Sid, "polling");
        Assert.That(host.Handler.MessagesOf(handshake.Sid).Select(m => m.Text), Has.None.EqualTo("not yet"));
    }

    [Test]
    public async Task SecondWebSocketWhileUpgrading_IsAcceptedThenClosed()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var first = await ProbeAsync(host, handshake.Sid);

        var second = await host.ConnectWebSocketAsync($"EIO=4&transport=websocket&sid={handshake.Sid}");
        var frame = await second.ReceiveAsync();

        Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Close), "accepted (101), then closed");
        // The first upgrade is unaffected.
        await first.SendTextAsync("5");
        socket.Send("after");
        Assert.That(await first.ReceiveTextAsync(), Is.EqualTo("4after"));
        Assert.That(socket.Upgraded, Is.True);
    }

    [Test]
    public async Task SecondWebSocketAfterUpgrade_IsAcceptedThenClosed()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var first = await ProbeAsync(host, handshake.Sid);
        await first.SendTextAsync("5");
        await first.SendTextAsync("4upgraded");
        await host.Handler.WaitForMessageAsync(handshake.Sid, "upgraded");

        var second = await host.ConnectWebSocketAsync($"EIO=4&transport=websocket&sid={handshake.Sid}");
        var frame = await second.ReceiveAsync();

        Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Close), "accepted (101), then closed");
        socket.Send("still first");
        Assert.That(await first.ReceiveTextAsync(), Is.EqualTo("4still first"));
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null);
    }

    [Test]
    public async Task UpgradeTimesOutAfterUpgradeTimeout_AndThePollingSessionContinues()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var ws = await ProbeAsync(host, handshake.Sid);

        host.Time.Advance(TimeSpan.FromMilliseconds(10000) - TimeSpan.FromMilliseconds(1));
        Assert.That(ws.Socket.State, Is.EqualTo(WebSocketState.Open));
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        var frame = await ws.ReceiveAsync();

        Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Close), "the probing WebSocket is dropped");
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.Polling));
        Assert.That(socket.Upgraded, Is.False);
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null);
        await host.PostOkAsync(handshake.Sid, "4still polling");
        await host.Handler.WaitForMessageAsync(handshake.Sid, "still polling");
        socket.Send("reply");
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("4reply"));

        // A fresh upgrade still works.
        var again = await ProbeAsync(host, handshake.Sid);
        await again.SendTextAsync("5");
        socket.Send("upgraded at last");
        Assert.That(await again.ReceiveTextAsync(), Is.EqualTo("4upgraded at last"));
    }

    [Test]
    public async Task ConfiguredUpgradeTimeout_IsHonoured()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.UpgradeTimeout = TimeSpan.FromMilliseconds(500));
        var (handshake, socket) = await host.ConnectPollingAsync();
        var ws = await ProbeAsync(host, handshake.Sid);

        host.Time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.That((await ws.ReceiveAsync()).Type, Is.EqualTo(WebSocketMessageType.Close));
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.Polling));
    }

    [Test]
    public async Task UpgradeWithUnknownSid_IsRefused()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        Assert.That(
            async () => await host.ConnectWebSocketAsync("EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA"),
            Throws.InstanceOf<WebSocketException>());
        var error = await host.Handler.WaitForConnectionErrorAsync(EngineIoErrorCode.UnknownSid);
        Assert.That(error.Message, Is.EqualTo("Session ID unknown"));
    }

    [Test]
    public async Task UpgradeRefusedByKestrelsUpgradeLimit_Is503_AndThePollingSessionContinues()
    {
        await using var host = await KestrelEngineHost.StartAsync(kestrel: k => k.Limits.MaxConcurrentUpgradedConnections = 1);
        var (busy, busyHandshake, _) = await host.ConnectDirectWebSocketAsync(); // takes the only upgraded slot
        var (handshake, socket) = await host.ConnectPollingAsync();
        var connection = await host.ConnectRawAsync();

        await connection.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, $"/engine.io/?EIO=4&transport=websocket&sid={handshake.Sid}"));
        var response = await connection.ReadResponseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.1 503 Service Unavailable"));
            Assert.That(response.Header("Connection"), Is.EqualTo("close"));
            Assert.That(response.Header("Upgrade"), Is.Null);
            Assert.That(response.Header("Sec-WebSocket-Accept"), Is.Null);
            Assert.That(response.Body, Is.Empty);
        }

        Assert.That(await connection.WaitForPeerCloseAsync(), Is.True, "the refused connection is closed, freeing its descriptor");
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.Polling));
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null);
        await host.PostOkAsync(handshake.Sid, "4still polling");
        await host.Handler.WaitForMessageAsync(handshake.Sid, "still polling");
        socket.Send("reply");
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("4reply"));
        await busy.SendTextAsync("4busy");
        await host.Handler.WaitForMessageAsync(busyHandshake.Sid, "busy");
        Assert.That(host.Logs.Errors, Is.Empty);
        Assert.That(host.Logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message), Has.One.StartsWith("WebSocket upgrade refused with 503"));
    }
}
