using System.Text;
using NUnit.Framework;
using SocketIo.DirectWebSockets;
using SocketIo.Server;
using SocketIo.Server.EngineIo;
using SocketIo.Server.Hosting;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// The direct path answers every WebSocket upgrade exactly as the HTTP path does (status, headers, body), because both
/// take the server's one set of rules (<see cref="EngineIoServer.AdmitWebSocket(string, IReadOnlyDictionary{string, Microsoft.Extensions.Primitives.StringValues}, System.Net.IPAddress?, bool, bool)"/>): each request goes to a server
/// with <c>UseDirectWebSockets</c> and to one without, configured alike. A rule or option that only one path knew
/// would show up here as a 101 on one side and a refusal (or a different 101) on the other.
/// </summary>
[TestFixture]
public sealed class DirectWebSocketAgreementTests
{
    private const string NewSession = "/socket.io/?EIO=4&transport=websocket";

    /// <summary>Name, options, request target, extra headers, whether the direct engine serves it itself.</summary>
    public static IEnumerable<TestCaseData> Requests()
    {
        TestCaseData Case(string name, Action<SocketIoOptions>? configure, string target, bool direct, params string[] headers) =>
            new TestCaseData(configure, target, headers, direct).SetName("Both paths answer alike: " + name);

        yield return Case("a new session (101)", null, NewSession, direct: true);
        yield return Case("an Origin header", null, NewSession, direct: true, "Origin: https://example.com");
        yield return Case("EIO=3 (400)", null, "/socket.io/?EIO=3&transport=websocket", direct: false);
        yield return Case("no EIO (400)", null, "/socket.io/?transport=websocket", direct: false);
        yield return Case("websocket not among the transports (400)", o => o.Engine.Transports.Remove(EngineIoOptions.WebSocket), NewSession, direct: false);
        yield return Case("an unknown sid (400)", null, NewSession + "&sid=AAAAAAAAAAAAAAAAAAAA", direct: false);
        yield return Case("a polling transport on an upgrade", null, "/socket.io/?EIO=4&transport=polling", direct: false);
        yield return Case("allowRequest refusing (400)", o => o.Engine.AllowRequest = (_, _) => ValueTask.FromResult<string?>("not you"), NewSession, direct: false);
        yield return Case("allowRequest accepting (101)", o => o.Engine.AllowRequest = (_, _) => ValueTask.FromResult<string?>(null), NewSession, direct: false);
        yield return Case("a cookie (101 with Set-Cookie)", o => o.Engine.Cookie = new EngineIoCookieOptions(), NewSession, direct: false);
        yield return Case(
            "CORS (101 with its headers)",
            o =>
            {
                o.Engine.Cors = new EngineIoCorsOptions();
                o.Engine.Cors.Origins.Add("https://example.com");
            },
            NewSession,
            direct: false,
            "Origin: https://example.com");
        // permessage-deflate offered and enabled is not here: both paths answer 101 with the extension, the direct
        // one as ws words it ("permessage-deflate", DirectPerMessageDeflateTests), ASP.NET's with
        // "client_max_window_bits=15" added; both valid answers to the offer (RFC 7692 §7.1.2.2).
        yield return Case(
            "permessage-deflate offered, not enabled (101 without it)",
            null,
            NewSession,
            direct: true,
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
    }

    [TestCaseSource(nameof(Requests))]
    public async Task AnUpgrade(Action<SocketIoOptions>? configure, string target, string[] headers, bool direct)
    {
        await using var viaHttp = await SocketIoHost.ListenAsync(0, configure);
        await using var viaDirect = await DirectWebSocketApp.StartAsync(configure: configure);

        var expected = await AnswerAsync(viaHttp.Url.Port, target, headers);
        var actual = await AnswerAsync(viaDirect.Port, target, headers);

        Assert.That(actual, Is.EqualTo(expected));
        if (direct)
        {
            // Counted once the 101 is out, which the client may read first.
            await Signals.UntilAsync(() => viaDirect.Listener.DirectSessions == 1, "the direct engine to count its session");
        }

        Assert.That(viaDirect.Listener.DirectSessions, Is.EqualTo(direct ? 1 : 0), "served by the direct engine itself");
    }

    [Test]
    public async Task Both_paths_answer_alike_once_the_server_stops_accepting_503()
    {
        await using var viaHttp = await SocketIoHost.ListenAsync(0);
        await using var viaDirect = await DirectWebSocketApp.StartAsync();
        viaHttp.Server.Engine.StopAccepting();
        viaDirect.Io.Engine.StopAccepting();

        var expected = await AnswerAsync(viaHttp.Url.Port, NewSession, []);
        Assert.That(expected, Does.StartWith("HTTP/1.1 503"));
        Assert.That(await AnswerAsync(viaDirect.Port, NewSession, []), Is.EqualTo(expected));
        Assert.That(viaDirect.Listener.DirectSessions, Is.Zero);
    }

    /// <summary>
    /// How each Engine.IO option bears on a new WebSocket session. A new option fails this test until it is placed:
    /// decide whether <see cref="EngineIoServer.AdmitWebSocket(string, IReadOnlyDictionary{string, Microsoft.Extensions.Primitives.StringValues}, System.Net.IPAddress?, bool, bool)"/> must see it (a check both paths make, or a reason to
    /// leave the request to the HTTP path), and add a case to <see cref="Requests"/> if so.
    /// </summary>
    private static readonly Dictionary<string, string> EngineOptionRoles = new(StringComparer.Ordinal)
    {
        [nameof(EngineIoOptions.Transports)] = "checked by both paths (VerifyBeforeAllowRequest)",
        [nameof(EngineIoOptions.AllowRequest)] = "left to the HTTP path: the application decides there, once",
        [nameof(EngineIoOptions.Cookie)] = "left to the HTTP path: it adds to the 101",
        [nameof(EngineIoOptions.Cors)] = "left to the HTTP path: it adds to the 101",
        [nameof(EngineIoOptions.PerMessageDeflate)] = "negotiated by either path in its 101 (the direct one as ws does, DirectPerMessageDeflateTests)",
        [nameof(EngineIoOptions.PerMessageDeflateThreshold)] = "the session's transport (DisableCompression under it), either path",
        [nameof(EngineIoOptions.PingInterval)] = "the session's, either path",
        [nameof(EngineIoOptions.PingTimeout)] = "the session's, either path",
        [nameof(EngineIoOptions.UpgradeTimeout)] = "the session's (polling upgrades), either path",
        [nameof(EngineIoOptions.MaxHttpBufferSize)] = "the session's, either path",
        [nameof(EngineIoOptions.AllowUpgrades)] = "the open packet's, either path (none for a WebSocket session)",
        [nameof(EngineIoOptions.HttpCompressionThreshold)] = "polling only",
        [nameof(EngineIoOptions.PollingCloseTimeout)] = "polling only",
        [nameof(EngineIoOptions.TimeProvider)] = "the session's clock, either path",
        [nameof(EngineIoOptions.GenerateId)] = "left to the HTTP path: the application's, and a failure is answered with a 400",
        [nameof(EngineIoOptions.AllowEIO3)] = "left to the HTTP path: v3 sessions (EIO=3) are never admitted directly",
        [nameof(EngineIoOptions.MaxBufferedOutboundBytes)] = "the session's outbound limit, either path (SlowClientTests runs both)",
        [nameof(EngineIoOptions.AddTrailingSlash)] = "the endpoint's path, both paths (DirectWebSocketAdmission; AddTrailingSlashTests runs both)",
        [nameof(EngineIoOptions.InitialPacket)] = "the session's (sent by Open), either path",
        [nameof(EngineIoOptions.InitialBinaryPacket)] = "the session's (sent by Open), either path",
        [nameof(EngineIoOptions.HttpCompressionLevel)] = "polling only",
        [nameof(EngineIoOptions.HttpCompressionStrategy)] = "polling only",
        [nameof(EngineIoOptions.PerMessageDeflateLevel)] = "the direct path's deflater (plain connections); ASP.NET's WebSockets have no level",
        [nameof(EngineIoOptions.PerMessageDeflateStrategy)] = "the direct path's deflater (plain connections); ASP.NET's WebSockets have no strategy",
        [nameof(EngineIoOptions.HttpRequestBodyTimeout)] = "polling only",
        [nameof(EngineIoOptions.MaxBufferedChunks)] = "polling POSTs, and the session's WebSocket reads, either path",
    };

    [Test]
    public void EveryEngineOption_HasItsPlaceOnTheDirectPath()
    {
        var options = typeof(EngineIoOptions).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance).Select(p => p.Name);
        Assert.That(options, Is.EquivalentTo(EngineOptionRoles.Keys), "place the new option in EngineOptionRoles (see its summary)");
    }

    /// <summary>
    /// The response as the client sees it: status line, header names (values too, but for those that differ by
    /// connection or server: Date, Server, Set-Cookie's sid) and body. The direct 101 carries only the headers ws sends.
    /// </summary>
    private static async Task<string> AnswerAsync(int port, string target, string[] headers)
    {
        using var raw = await RawHttpConnection.ConnectAsync(port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(port, target, headers));
        var response = await raw.ReadResponseAsync();
        var text = new StringBuilder(response.StatusLine).Append('\n');
        foreach (var (name, value) in response.Headers.Where(h => h.Key is not ("Date" or "Server")).OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            text.Append(name).Append(": ").Append(name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase) ? "(sid)" : value).Append('\n');
        }

        return text.Append(Encoding.UTF8.GetString(response.Body)).ToString();
    }
}
