using System.Net.WebSockets;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// The v4 heartbeat, server → client ping and client → server pong, on the engine's FakeTimeProvider
/// (protocol.md "Heartbeat").
/// </summary>
[TestFixture]
public sealed class HeartbeatTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25000);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(20000);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    [Test]
    public async Task ServerSendsPingAfterPingInterval_NotBefore()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();

        host.Time.Advance(Interval - Tick);
        socket.Send("marker");
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("4marker"), "no ping before pingInterval");

        host.Time.Advance(Tick);
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("2"));
    }

    [Test]
    public async Task NoPongWithinPingTimeoutOfTheQueuedPing_ClosesWithPingTimeout_EvenIfNoPollDeliveredIt()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();

        // The client never polls: the ping stays in the write buffer, yet the timeout runs from when it was queued.
        host.Time.Advance(Interval);
        host.Time.Advance(Timeout - Tick);
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null, "still open 1 ms before the timeout");
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));

        host.Time.Advance(Tick);
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
        Assert.That(host.Server.ClientsCount, Is.Zero);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
    }

    [Test]
    public async Task PingTimeout_UnknownSidAfterwards()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();

        host.Time.Advance(Interval);
        host.Time.Advance(Timeout);
        await host.Handler.WaitForCloseAsync(handshake.Sid);
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid));

        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("""{"code":1,"message":"Session ID unknown"}"""));
    }

    [TestCase("GET", 300)]
    [TestCase("POST pong", 300)]
    [TestCase("WebSocket upgrade", 300)]
    [TestCase("GET", 0)]
    public async Task RequestPastTheHeartbeatDeadline_GetsUnknownSid_EvenBeforeTheTimerCallbackRuns(string request, int timersRunMs)
    {
        // Node runs expired timers before the I/O of the same loop turn, so a request that arrives after
        // pingInterval + pingTimeout never finds the session; here the timer callback may still be queued.
        var time = new LaggingTimerTimeProvider();
        await using var host = await KestrelEngineHost.StartAsync(o =>
        {
            o.TimeProvider = time;
            o.PingInterval = TimeSpan.FromMilliseconds(300);
            o.PingTimeout = TimeSpan.FromMilliseconds(200);
        });
        var (handshake, socket) = await host.ConnectPollingAsync();
        var query = KestrelEngineHost.PollingQuery(handshake.Sid);

        // The timers run until timersRunMs (300: the ping is queued; 0: even the interval callback is late), then
        // lag while the clock moves on.
        time.Advance(TimeSpan.FromMilliseconds(timersRunMs));
        time.AdvanceClock(TimeSpan.FromMilliseconds(499 - timersRunMs));
        if (request == "GET" && timersRunMs == 300)
        {
            Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("2"), "1 ms before the deadline the session still serves");
        }

        time.AdvanceClock(Tick);
        Assert.That(socket.ReadyState, Is.Not.EqualTo(EngineIoReadyState.Closed), "no timer has closed it");

        if (request == "WebSocket upgrade")
        {
            var raw = await host.ConnectRawAsync();
            await raw.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, $"{KestrelEngineHost.EnginePath}?EIO=4&transport=websocket&sid={handshake.Sid}"));
            var refused = await raw.ReadResponseAsync();
            Assert.That(refused.StatusCode, Is.EqualTo(400));
            Assert.That(refused.BodyText, Is.EqualTo("Session ID unknown"));
        }
        else
        {
            using var response = request == "GET"
                ? await host.GetAsync(query)
                : await host.PostAsync(handshake.Sid, "3");
            Assert.That((int)response.StatusCode, Is.EqualTo(400));
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("""{"code":1,"message":"Session ID unknown"}"""));
        }

        Assert.That(host.Handler.CloseOf(handshake.Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task Pong_ClearsTheTimeoutAndReArmsTheInterval()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();

        host.Time.Advance(Interval);
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("2"));
        await host.PostOkAsync(handshake.Sid, "3");

        host.Time.Advance(Timeout);
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null, "the pong cleared the timeout");

        // The next ping comes pingInterval after the pong, not earlier.
        host.Time.Advance(Interval - Timeout - Tick);
        socket.Send("marker");
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("4marker"));
        host.Time.Advance(Tick);
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("2"));

        // And that second ping has its own timeout.
        host.Time.Advance(Timeout);
        Assert.That((await host.Handler.WaitForCloseAsync(handshake.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
    }

    [Test]
    public async Task NonPongPacketWhileAPongIsAwaited_ExtendsTheTimeoutOnce()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();
        host.Time.Advance(Interval); // ping queued at T; timeout due at T+20 s

        host.Time.Advance(TimeSpan.FromSeconds(15));
        await host.PostOkAsync(handshake.Sid, "4first"); // T+15 s: timeout moves to T+35 s
        host.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null, "T+25 s: extended past the original T+20 s");

        await host.PostOkAsync(handshake.Sid, "4second"); // only once: no further extension
        host.Time.Advance(TimeSpan.FromSeconds(10) - Tick);
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null, "T+35 s - 1 ms");
        host.Time.Advance(Tick);

        Assert.That((await host.Handler.WaitForCloseAsync(handshake.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
        Assert.That(host.Handler.MessagesOf(handshake.Sid).Select(m => m.Text), Is.EqualTo<string[]>(["first", "second"]));
    }

    [Test]
    public async Task ClientPingOverPost_ClosesWithTransportError()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();

        // The POST that closes the session is still answered (polling.ts destroys only an unread data request).
        await host.PostOkAsync(handshake.Sid, "2");
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportError));
        Assert.That(closed.Description, Is.EqualTo("invalid heartbeat direction"));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task ClientPingOverWebSocket_ClosesWithTransportError()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, handshake, _) = await host.ConnectDirectWebSocketAsync();

        await client.SendTextAsync("2");
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportError));
        Assert.That(closed.Description, Is.EqualTo("invalid heartbeat direction"));
        Assert.That((await client.ReceiveAsync()).Type, Is.EqualTo(WebSocketMessageType.Close));
    }

    [Test]
    public async Task WebSocket_PingFrameAfterInterval_PongKeepsTheSession_MissingPongTimesOut()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, handshake, socket) = await host.ConnectDirectWebSocketAsync();

        host.Time.Advance(Interval);
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("2"));
        await client.SendTextAsync("3");
        // Frames are handled in order: once "sync" has arrived, so has the pong.
        await client.SendTextAsync("4sync");
        await host.Handler.WaitForMessageAsync(handshake.Sid, "sync");

        host.Time.Advance(Timeout);
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null);
        host.Time.Advance(Interval - Timeout);
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("2"));

        host.Time.Advance(Timeout);
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
        Assert.That((await client.ReceiveAsync()).Type, Is.EqualTo(WebSocketMessageType.Close), "the server closes the WebSocket");
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
    }

    [Test]
    public async Task CustomPingIntervalAndTimeout_AreHonoured()
    {
        await using var host = await KestrelEngineHost.StartAsync(o =>
        {
            o.PingInterval = TimeSpan.FromMilliseconds(300);
            o.PingTimeout = TimeSpan.FromMilliseconds(200);
        });
        var (handshake, _) = await host.ConnectPollingAsync();

        host.Time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("2"));
        host.Time.Advance(TimeSpan.FromMilliseconds(200));

        Assert.That((await host.Handler.WaitForCloseAsync(handshake.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
    }
}
