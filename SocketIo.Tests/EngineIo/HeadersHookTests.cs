using System.Net;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// <see cref="EngineIoServer.OnInitialHeaders"/> and <see cref="EngineIoServer.OnHeaders"/> on the ASP.NET Core path
/// (Node: <c>io.engine.on("initial_headers" | "headers", (headers, req) => …)</c>).
/// </summary>
[TestFixture]
public sealed class HeadersHookTests
{
    private static async Task<KestrelEngineHost> StartAsync(List<string>? seen = null, Action<EngineIoOptions>? configure = null)
    {
        var host = await KestrelEngineHost.StartAsync(configure);
        host.Server
            .OnInitialHeaders((headers, request) =>
            {
                headers["x-initial"] = "1";
                seen?.Add("initial " + request.Method);
            })
            .OnHeaders((headers, request) =>
            {
                headers["x-every"] = "1";
                seen?.Add("every " + request.Method);
            });
        return host;
    }

    private static (string? Initial, string? Every) Marks(HttpResponseMessage response) =>
        (response.Headers.TryGetValues("x-initial", out var i) ? i.Single() : null,
         response.Headers.TryGetValues("x-every", out var e) ? e.Single() : null);

    [Test]
    public async Task ThePollingHandshake_GetsBoth_LaterPollsAndPosts_OnlyTheEveryResponseOne()
    {
        var seen = new List<string>();
        await using var host = await StartAsync(seen);

        using var handshake = await host.GetAsync("EIO=4&transport=polling");
        Assert.That(Marks(handshake), Is.EqualTo(((string?)"1", (string?)"1")));
        Assert.That(handshake.Headers.CacheControl?.NoStore, Is.True, "the transport's own headers stay");
        var sid = EngineHandshake.Parse(await handshake.Content.ReadAsStringAsync()).Sid;
        var socket = await host.Handler.WaitForConnectionAsync(sid);

        using var post = await host.PostAsync(sid, "4hello");
        Assert.That(Marks(post), Is.EqualTo(((string?)null, (string?)"1")));

        socket.Send("hi");
        using var poll = await host.GetAsync(KestrelEngineHost.PollingQuery(sid));
        Assert.That(await poll.Content.ReadAsStringAsync(), Is.EqualTo("4hi"));
        Assert.That(Marks(poll), Is.EqualTo(((string?)null, (string?)"1")));
        Assert.That(string.Join(", ", seen), Is.EqualTo("initial GET, every GET, every POST, every GET"), "initial_headers first, once per handshake");
    }

    [Test]
    public async Task TheHandshakesListener_GetsTheSessionsOwnRequest()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        EngineIoRequest? initial = null;
        host.Server.OnInitialHeaders((_, request) => initial = request);

        var (_, socket) = await host.ConnectPollingAsync();

        Assert.That(initial, Is.SameAs(socket.Request));
    }

    [Test]
    public async Task ErrorResponses_AndCorsPreflights_GetNeither()
    {
        await using var host = await StartAsync(configure: o => o.Cors = new EngineIoCorsOptions { ReflectOrigin = true });

        using var unknownSid = await host.GetAsync(KestrelEngineHost.PollingQuery("nope"));
        Assert.That((unknownSid.StatusCode, Marks(unknownSid)), Is.EqualTo((HttpStatusCode.BadRequest, ((string?)null, (string?)null))));

        using var preflightRequest = new HttpRequestMessage(HttpMethod.Options, host.EngineUri("EIO=4&transport=polling"));
        preflightRequest.Headers.Add("Origin", "http://example.com");
        using var preflight = await host.Http.SendAsync(preflightRequest);
        Assert.That((preflight.StatusCode, Marks(preflight)), Is.EqualTo((HttpStatusCode.NoContent, ((string?)null, (string?)null))));

        var (_, socket) = await host.ConnectPollingAsync();
        using var tooLarge = await host.PostAsync(socket.Id, new string('x', (int)host.Options.MaxHttpBufferSize + 1));
        Assert.That((tooLarge.StatusCode, Marks(tooLarge)), Is.EqualTo((HttpStatusCode.RequestEntityTooLarge, ((string?)null, (string?)null))));
    }

    [Test]
    public async Task AWebSocketHandshake_GetsBoth_AnUpgrade_OnlyTheEveryResponseOne()
    {
        await using var host = await StartAsync();

        var raw = await host.ConnectRawAsync();
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, KestrelEngineHost.EnginePath + "?EIO=4&transport=websocket"));
        var opened = await raw.ReadResponseAsync();
        Assert.That((opened.StatusCode, opened.Header("x-initial"), opened.Header("x-every")), Is.EqualTo((101, (string?)"1", (string?)"1")));

        var (handshake, _) = await host.ConnectPollingAsync();
        var upgradeConnection = await host.ConnectRawAsync();
        await upgradeConnection.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, KestrelEngineHost.EnginePath + "?EIO=4&transport=websocket&sid=" + handshake.Sid));
        var upgraded = await upgradeConnection.ReadResponseAsync();
        Assert.That((upgraded.StatusCode, upgraded.Header("x-initial"), upgraded.Header("x-every")), Is.EqualTo((101, (string?)null, (string?)"1")));
    }

    [Test]
    public async Task AListenerThatThrows_IsLogged_AndThePollStillCarriesItsPackets()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (_, socket) = await host.ConnectPollingAsync();
        host.Server.OnHeaders((_, _) => throw new InvalidOperationException("listener bug"));

        socket.Send("kept");

        Assert.That(await host.PollAsync(socket.Id), Is.EqualTo("4kept"));
        Assert.That(host.Logs.Entries.Any(e => e.Exception?.Message == "listener bug"), Is.True);
    }
}
