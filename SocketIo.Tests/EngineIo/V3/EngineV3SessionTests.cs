using System.Net;
using System.Net.WebSockets;
using System.Text;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo.V3;

/// <summary>
/// Engine.IO v3 sessions (<see cref="EngineIoOptions.AllowEIO3"/>) as engine.io 6.6 serves them with <c>allowEIO3</c>:
/// refusal when off, the v3 open payload, the client-driven heartbeat on the FakeTimeProvider, binary framing on both
/// transports, and malformed payloads closing only their session.
/// </summary>
[TestFixture]
public sealed class EngineV3SessionTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25000);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(20000);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    private static Task<KestrelEngineHost> StartAsync() => KestrelEngineHost.StartAsync(o => o.AllowEIO3 = true);

    private static string Query(string sid, string extra = "") => $"EIO=3&transport=polling&sid={Uri.EscapeDataString(sid)}{extra}";

    /// <summary>A v3 polling handshake: the open packet alone, length-prefixed. Returns the sid and its socket.</summary>
    private static async Task<(string Sid, EngineIoSocket Socket)> HandshakeAsync(KestrelEngineHost host, string extra = "")
    {
        using var response = await host.GetAsync("EIO=3&transport=polling" + extra);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var colon = body.IndexOf(':', StringComparison.Ordinal);
        Assert.That(int.Parse(body[..colon], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(body.Length - colon - 1), "the length counts the open packet");
        var open = EngineHandshake.Parse(body[(colon + 1)..]);
        var socket = await host.Handler.WaitForConnectionAsync(open.Sid);
        Assert.That(socket.Protocol, Is.EqualTo(3));
        return (open.Sid, socket);
    }

    private static async Task<string> PollAsync(KestrelEngineHost host, string sid, string extra = "")
    {
        using var response = await host.GetAsync(Query(sid, extra));
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<HttpResponseMessage> PostAsync(KestrelEngineHost host, string sid, byte[] body, string contentType = "text/plain;charset=UTF-8")
    {
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await host.SendAsync(HttpMethod.Post, Query(sid), content);
    }

    [Test]
    public async Task Off_AV3HandshakeIsRefusedWithCode5()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        using var response = await host.GetAsync("EIO=3&transport=polling");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("""{"code":5,"message":"Unsupported protocol version"}"""));
    }

    [Test]
    public async Task On_AV4SessionIsStillV4()
    {
        await using var host = await StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        Assert.That(socket.Protocol, Is.EqualTo(4));
        Assert.That(handshake.Packet, Does.StartWith("0{"), "no length prefix for v4");
    }

    [Test]
    public async Task ARequestNamingTheOtherProtocol_IsAProtocolMismatch()
    {
        await using var host = await StartAsync();
        var (sid, _) = await HandshakeAsync(host);
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(sid));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var error = await host.Handler.WaitForConnectionErrorAsync(EngineIoErrorCode.BadRequest);
        Assert.That(error.Context["name"], Is.EqualTo("PROTOCOL_MISMATCH"));
        Assert.That(error.Context["protocol"], Is.EqualTo(4));
        Assert.That(error.Context["previousProtocol"], Is.EqualTo(3));
    }

    [Test]
    public async Task Heartbeat_NoServerPings_AndNoPingFromTheClient_ClosesAfterIntervalPlusTimeout()
    {
        await using var host = await StartAsync();
        var (sid, socket) = await HandshakeAsync(host);

        host.Time.Advance(Interval);
        socket.Send("marker");
        Assert.That(await PollAsync(host, sid), Is.EqualTo("7:4marker"), "the server never pings a v3 client");

        host.Time.Advance(Timeout - Tick);
        Assert.That(host.Handler.CloseOf(sid), Is.Null, "open until pingInterval + pingTimeout");
        host.Time.Advance(Tick);
        var closed = await host.Handler.WaitForCloseAsync(sid);
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
    }

    [Test]
    public async Task Heartbeat_TheClientsPingIsAnsweredWithPong_AndRestartsTheTimeout()
    {
        await using var host = await StartAsync();
        var (sid, _) = await HandshakeAsync(host);

        host.Time.Advance(Interval + Timeout - Tick);
        using (var post = await PostAsync(host, sid, "1:2"u8.ToArray()))
        {
            Assert.That(await post.Content.ReadAsStringAsync(), Is.EqualTo("ok"));
        }

        Assert.That(await PollAsync(host, sid), Is.EqualTo("1:3"));
        // A whole interval + timeout again from the ping, not from the handshake.
        host.Time.Advance(Interval + Timeout - Tick);
        Assert.That(host.Handler.CloseOf(sid), Is.Null, "the ping restarted the timeout");
        host.Time.Advance(Tick);
        Assert.That((await host.Handler.WaitForCloseAsync(sid)).Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
    }

    [Test]
    public async Task Heartbeat_APongFromAV3Client_IsAnInvalidHeartbeatDirection()
    {
        await using var host = await StartAsync();
        var (sid, _) = await HandshakeAsync(host);

        using (await PostAsync(host, sid, "1:3"u8.ToArray()))
        {
        }

        var closed = await host.Handler.WaitForCloseAsync(sid);
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportError));
        Assert.That(closed.Description, Is.EqualTo("invalid heartbeat direction"));
    }

    [Test]
    public async Task Polling_BinaryGoesAsBase64ToAB64Client_AndAsTheBinaryPayloadToOthers()
    {
        await using var host = await StartAsync();
        var (b64Sid, b64Socket) = await HandshakeAsync(host, "&b64=1");
        b64Socket.Send(new byte[] { 1, 2, 3 });
        Assert.That(await PollAsync(host, b64Sid, "&b64=1"), Is.EqualTo("6:b4AQID"));

        var (sid, socket) = await HandshakeAsync(host);
        socket.Send(new byte[] { 1, 2, 3 });
        using var response = await host.GetAsync(Query(sid));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/octet-stream"));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(new byte[] { 1, 4, 255, 4, 1, 2, 3 }));
    }

    [Test]
    public async Task Polling_ABinaryPayloadPost_IsAccepted()
    {
        await using var host = await StartAsync();
        var (sid, _) = await HandshakeAsync(host);

        using var post = await PostAsync(host, sid, [0, 2, 255, (byte)'4', (byte)'a', 1, 2, 255, 4, 9], "application/octet-stream");

        Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var messages = await host.Handler.WaitForMessagesAsync(sid, 2);
        Assert.That(messages[0].Text, Is.EqualTo("a"));
        Assert.That(messages[1].IsBinary, Is.True);
        Assert.That(messages[1].Data, Is.EqualTo(new byte[] { 9 }));
    }

    [TestCase("99:4a", TestName = "a length past the body")]
    [TestCase("x:4a", TestName = "a length that is not a number")]
    [TestCase("2:9a", TestName = "an unknown packet type")]
    public async Task Polling_AMalformedPayload_ClosesOnlyThatSession(string body)
    {
        await using var host = await StartAsync();
        var (sid, _) = await HandshakeAsync(host);
        var (otherSid, other) = await HandshakeAsync(host);

        using (var post = await PostAsync(host, sid, Encoding.UTF8.GetBytes(body)))
        {
            Assert.That(await post.Content.ReadAsStringAsync(), Is.EqualTo("ok"), "answered ok, as engine.io does");
        }

        Assert.That((await host.Handler.WaitForCloseAsync(sid)).Reason, Is.EqualTo(EngineIoCloseReasons.ParseError));
        other.Send("still here");
        Assert.That(await PollAsync(host, otherSid), Is.EqualTo("11:4still here"));
    }

    [Test]
    public async Task WebSocket_BinaryFramesCarryTheTypeByte_BothWays()
    {
        await using var host = await StartAsync();
        using var client = await host.ConnectWebSocketAsync("EIO=3&transport=websocket");
        var open = EngineHandshake.Parse(await client.ReceiveTextAsync());
        var socket = await host.Handler.WaitForConnectionAsync(open.Sid);

        await client.SendBinaryAsync([4, 7, 8]);
        var message = (await host.Handler.WaitForMessagesAsync(open.Sid, 1))[0];
        Assert.That(message.IsBinary, Is.True);
        Assert.That(message.Data, Is.EqualTo(new byte[] { 7, 8 }));

        socket.Send(new byte[] { 5 });
        var frame = await client.ReceiveAsync();
        Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Binary));
        Assert.That(frame.Data, Is.EqualTo(new byte[] { 4, 5 }));

        await client.SendTextAsync("2");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("3"), "a ping over WebSocket is answered too");
    }

    [Test]
    public async Task Upgrade_TheProbeAndTheSwitch_AsInV4()
    {
        await using var host = await StartAsync();
        var (sid, socket) = await HandshakeAsync(host);
        using var ws = await host.ConnectWebSocketAsync($"EIO=3&transport=websocket&sid={sid}");
        await ws.SendTextAsync("2probe");
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("3probe"));
        var poll = PollAsync(host, sid);
        await Signals.UntilAsync(() => socket.IsWritable || poll.IsCompleted, "the GET is pending");
        host.Time.Advance(TimeSpan.FromMilliseconds(100)); // the upgrade check releases it
        Assert.That(await poll, Is.EqualTo("1:6"), "the pending poll is released with a noop");
        await ws.SendTextAsync("5");
        await Signals.UntilAsync(() => socket.Upgraded, "the session upgraded");

        socket.Send("over ws");
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("4over ws"));
    }
}
