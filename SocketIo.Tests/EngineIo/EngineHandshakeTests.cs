using System.Net;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>The open packet and the handshake response (protocol.md "Handshake").</summary>
[TestFixture]
public sealed class EngineHandshakeTests
{
    [Test]
    public async Task PollingHandshake_BodyIsOpenPacketWithExactKeysInOrder()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var response = await host.GetAsync("EIO=4&transport=polling");
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(
            body,
            Does.Match("""^0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":\["websocket"\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$"""));
    }

    [Test]
    public async Task PollingHandshake_ContentTypeIsTextPlainUtf8()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var response = await host.GetAsync("EIO=4&transport=polling");

        Assert.That(response.Content.Headers.NonValidated["Content-Type"].ToString(), Is.EqualTo("text/plain; charset=UTF-8"));
    }

    [Test]
    public async Task Handshake_SidsAreUniqueUrlSafe20Characters()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        var sids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            sids.Add((await host.HandshakeAsync()).Sid);
        }

        Assert.That(sids, Has.All.Match("^[A-Za-z0-9_-]{20}$"));
        Assert.That(sids.Distinct().Count(), Is.EqualTo(sids.Count));
    }

    [Test]
    public async Task Handshake_ReflectsConfiguredTimingsAndMaxPayload()
    {
        await using var host = await KestrelEngineHost.StartAsync(o =>
        {
            o.PingInterval = TimeSpan.FromMilliseconds(300);
            o.PingTimeout = TimeSpan.FromMilliseconds(200);
            o.MaxHttpBufferSize = 5000;
        });

        var handshake = await host.HandshakeAsync();

        Assert.That(
            handshake.Packet,
            Is.EqualTo($$"""0{"sid":"{{handshake.Sid}}","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":5000}"""));
    }

    [Test]
    public async Task Handshake_WithUpgradesDisallowed_OffersNoUpgrades()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.AllowUpgrades = false);

        var handshake = await host.HandshakeAsync();

        Assert.That(handshake.Packet, Does.Contain("\"upgrades\":[],"));
    }

    [Test]
    public async Task Handshake_WithWebSocketDisabled_OffersNoUpgrades()
    {
        await using var host = await KestrelEngineHost.StartAsync(o =>
        {
            o.Transports.Clear();
            o.Transports.Add(EngineIoOptions.Polling);
        });

        var handshake = await host.HandshakeAsync();

        Assert.That(handshake.Packet, Does.Contain("\"upgrades\":[],"));
    }

    [Test]
    public async Task WebSocketHandshake_OpenPacketIsFirstTextFrameWithNoUpgrades()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var client = await host.ConnectWebSocketAsync();
        var first = await client.ReceiveTextAsync();

        Assert.That(
            first,
            Does.Match("""^0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$"""));
        var socket = await host.Handler.WaitForConnectionAsync(EngineHandshake.Parse(first).Sid);
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.WebSocket));
    }

    [Test]
    public async Task Handshake_RegistersTheSessionAndTellsTheHandler()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        var (handshake, socket) = await host.ConnectPollingAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(socket.Id, Is.EqualTo(handshake.Sid));
            Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.Polling));
            Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
            Assert.That(socket.Upgraded, Is.False);
            Assert.That(host.Server.ClientsCount, Is.EqualTo(1));
            Assert.That(host.Server.TryGetClient(handshake.Sid, out var found) && found == socket, Is.True);
            Assert.That(socket.Request.GetQuery("EIO"), Is.EqualTo("4"));
            Assert.That(socket.Request.GetQuery("transport"), Is.EqualTo("polling"));
            Assert.That(socket.Request.Method, Is.EqualTo("GET"));
        }
    }

    [Test]
    public async Task Path_IsServedWithTrailingSlashAndBelow_NotWithoutTheSlash()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var withSlash = await host.Http.GetAsync(new Uri(host.BaseAddress, "/engine.io/?EIO=4&transport=polling"));
        using var below = await host.Http.GetAsync(new Uri(host.BaseAddress, "/engine.io/anything?EIO=4&transport=polling"));
        using var withoutSlash = await host.Http.GetAsync(new Uri(host.BaseAddress, "/engine.io?EIO=4&transport=polling"));

        // engine.io adds a trailing slash to its path by default and matches it as a prefix.
        Assert.That(await withSlash.Content.ReadAsStringAsync(), Does.StartWith("0{"));
        Assert.That(await below.Content.ReadAsStringAsync(), Does.StartWith("0{"));
        Assert.That(withoutSlash.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(host.Server.ClientsCount, Is.EqualTo(2));
    }

    [Test]
    public async Task Handshake_WithCookieOption_SetsSidCookie()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cookie = new EngineIoCookieOptions());

        using var response = await host.GetAsync("EIO=4&transport=polling");
        var handshake = EngineHandshake.Parse(await response.Content.ReadAsStringAsync());

        Assert.That(response.Headers.TryGetValues("Set-Cookie", out var cookies), Is.True);
        Assert.That(cookies, Is.EqualTo(new[] { $"io={handshake.Sid}; Path=/; HttpOnly; SameSite=Lax" }));

        // Only the handshake carries the cookie, not later polls.
        host.Handler.Connections.Single().Send("x");
        using var poll = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid));
        Assert.That(poll.Headers.Contains("Set-Cookie"), Is.False);
    }

    [Test]
    public async Task Handshake_WithoutCookieOption_SetsNoCookie()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var response = await host.GetAsync("EIO=4&transport=polling");

        Assert.That(response.Headers.Contains("Set-Cookie"), Is.False);
    }

    [Test]
    public async Task Handshake_WithEveryCookieOption_WritesThemAsTheNpmCookiePackageDoes()
    {
        // node -e "require('cookie').serialize('io', sid, { path: '/', httpOnly: true, sameSite: 'strict', secure: true,
        //   partitioned: true, priority: 'high', expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)), maxAge: 60, domain: 'example.com' })"
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cookie = new EngineIoCookieOptions
        {
            SameSite = "strict",
            Secure = true,
            Partitioned = true,
            Priority = "high",
            Expires = new DateTimeOffset(2030, 1, 2, 4, 4, 5, TimeSpan.FromHours(1)),
            MaxAge = TimeSpan.FromSeconds(60),
            Domain = "example.com",
        });

        using var response = await host.GetAsync("EIO=4&transport=polling");
        var handshake = EngineHandshake.Parse(await response.Content.ReadAsStringAsync());

        Assert.That(
            response.Headers.GetValues("Set-Cookie").Single(),
            Is.EqualTo($"io={handshake.Sid}; Max-Age=60; Domain=example.com; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Strict"));
    }

    [TestCase("sometimes", null)]
    [TestCase(null, "urgent")]
    public void CookieValues_TheNpmCookiePackageRefuses_AreOptionErrors(string? sameSite, string? priority)
    {
        var options = new EngineIoOptions { Cookie = new EngineIoCookieOptions { SameSite = sameSite, Priority = priority } };

        Assert.That(options.GetErrors(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task InitialPacket_FollowsTheOpenPacket_InTheSameResponse_OnPollingAndWebSocket()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.InitialPacket = "welcome");

        using var response = await host.GetAsync("EIO=4&transport=polling");
        var body = await response.Content.ReadAsStringAsync();
        var ws = await host.ConnectWebSocketAsync();
        await ws.ReceiveOpenAsync();

        Assert.That(body[body.IndexOf('\u001e', StringComparison.Ordinal)..], Is.EqualTo("\u001e4welcome"));
        Assert.That(body, Does.StartWith("0{"));
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("4welcome"));
    }
    [Test]
    public async Task InitialBinaryPacket_FollowsTheTextOne_AsBase64OnPolling_AndABinaryFrameOnWebSocket()
    {
        await using var host = await KestrelEngineHost.StartAsync(o =>
        {
            o.InitialPacket = "welcome";
            o.InitialBinaryPacket = new byte[] { 1, 2, 3 };
        });

        using var response = await host.GetAsync("EIO=4&transport=polling");
        var body = await response.Content.ReadAsStringAsync();
        var ws = await host.ConnectWebSocketAsync();
        await ws.ReceiveOpenAsync();

        Assert.That(body[body.IndexOf('\u001e', StringComparison.Ordinal)..], Is.EqualTo("\u001e4welcome\u001ebAQID"));
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("4welcome"));
        var binary = await ws.ReceiveAsync();
        Assert.That(binary.Type, Is.EqualTo(System.Net.WebSockets.WebSocketMessageType.Binary));
        Assert.That(binary.Data, Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public async Task CookieEncode_WritesTheValueAsTheFunctionReturnsIt()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cookie = new EngineIoCookieOptions { Encode = v => "v1." + v });

        using var response = await host.GetAsync("EIO=4&transport=polling");
        var handshake = EngineHandshake.Parse(await response.Content.ReadAsStringAsync());

        Assert.That(response.Headers.GetValues("Set-Cookie"), Is.EqualTo(new[] { $"io=v1.{handshake.Sid}; Path=/; HttpOnly; SameSite=Lax" }));
    }
}
