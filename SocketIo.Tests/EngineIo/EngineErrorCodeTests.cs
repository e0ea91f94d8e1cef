using System.Net;
using System.Text;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// The reference's HTTP error codes 0–5 and their exact bodies; WebSocket upgrade refusals
/// (protocol.md "Error codes and bodies").
/// </summary>
[TestFixture]
public sealed class EngineErrorCodeTests
{
    private const string TransportUnknown = """{"code":0,"message":"Transport unknown"}""";
    private const string SessionIdUnknown = """{"code":1,"message":"Session ID unknown"}""";
    private const string BadHandshakeMethod = """{"code":2,"message":"Bad handshake method"}""";
    private const string BadRequest = """{"code":3,"message":"Bad request"}""";
    private const string UnsupportedProtocolVersion = """{"code":5,"message":"Unsupported protocol version"}""";

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string body)
    {
        var text = await response.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(status));
            Assert.That(response.Content.Headers.NonValidated["Content-Type"].ToString(), Is.EqualTo("application/json"));
            Assert.That(text, Is.EqualTo(body));
        }
    }

    [TestCase("EIO=4", TestName = "Code0_TransportMissing")]
    [TestCase("EIO=4&transport=", TestName = "Code0_TransportEmpty")]
    [TestCase("EIO=4&transport=flashsocket", TestName = "Code0_TransportUnknown")]
    [TestCase("EIO=4&transport=POLLING", TestName = "Code0_TransportIsCaseSensitive")]
    [TestCase("EIO=5&transport=nope", TestName = "Code0_TransportIsCheckedBeforeProtocolVersion")]
    public async Task Code0_TransportUnknown(string query)
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var response = await host.GetAsync(query);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, TransportUnknown);
        var error = await host.Handler.WaitForConnectionErrorAsync(EngineIoErrorCode.UnknownTransport);
        Assert.That(error.Message, Is.EqualTo("Transport unknown"));
    }

    [Test]
    public async Task Code0_TransportNotEnabled()
    {
        await using var host = await KestrelEngineHost.StartAsync(o =>
        {
            o.Transports.Clear();
            o.Transports.Add(EngineIoOptions.WebSocket);
        });

        using var response = await host.GetAsync("EIO=4&transport=polling");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, TransportUnknown);
    }

    [Test]
    public async Task Code1_UnknownSid()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var get = await host.GetAsync(KestrelEngineHost.PollingQuery("AAAAAAAAAAAAAAAAAAAA"));
        using var post = await host.PostAsync("AAAAAAAAAAAAAAAAAAAA", "4hello");

        await AssertErrorAsync(get, HttpStatusCode.BadRequest, SessionIdUnknown);
        await AssertErrorAsync(post, HttpStatusCode.BadRequest, SessionIdUnknown);
        var error = await host.Handler.WaitForConnectionErrorAsync(EngineIoErrorCode.UnknownSid);
        Assert.That(error.Context["sid"], Is.EqualTo("AAAAAAAAAAAAAAAAAAAA"));
    }

    [Test]
    public async Task Code1_SidOfAClosedSession()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();
        await host.PostOkAsync(handshake.Sid, "1");
        await host.Handler.WaitForCloseAsync(handshake.Sid);

        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, SessionIdUnknown);
    }

    [TestCase("POST")]
    [TestCase("PUT")]
    [TestCase("DELETE")]
    [TestCase("OPTIONS")]
    public async Task Code2_HandshakeWithMethodOtherThanGet(string method)
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var content = new StringContent("4hello");
        using var response = await host.SendAsync(new HttpMethod(method), "EIO=4&transport=polling", method is "POST" or "PUT" ? content : null);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, BadHandshakeMethod);
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task Code3_WebSocketTransportWithoutUpgradeHeader()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var response = await host.GetAsync("EIO=4&transport=websocket");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, BadRequest);
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task Code3_PollingRequestForAWebSocketSession()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (_, handshake, _) = await host.ConnectDirectWebSocketAsync();

        using var get = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid));
        using var post = await host.PostAsync(handshake.Sid, "4hello");
        using var wsAsPlainHttp = await host.GetAsync($"EIO=4&transport=websocket&sid={handshake.Sid}");

        await AssertErrorAsync(get, HttpStatusCode.BadRequest, BadRequest);
        await AssertErrorAsync(post, HttpStatusCode.BadRequest, BadRequest);
        await AssertErrorAsync(wsAsPlainHttp, HttpStatusCode.BadRequest, BadRequest);
        Assert.That(host.Handler.MessagesOf(handshake.Sid), Is.Empty);
    }

    [Test]
    public async Task Code3_ProtocolMismatchForAnExistingSession()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();

        using var response = await host.GetAsync($"EIO=3&transport=polling&sid={handshake.Sid}");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, BadRequest);
    }

    [TestCase(new byte[] { 0x01 }, TestName = "Code3_InvalidOriginChar_Control")]
    [TestCase(new byte[] { 0x7f }, TestName = "Code3_InvalidOriginChar_Delete")]
    [TestCase(new byte[] { 0xE2, 0x82, 0xAC }, TestName = "Code3_InvalidOriginChar_AboveLatin1")]
    public async Task Code3_InvalidOriginHeaderCharacters(byte[] bad)
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var connection = await host.ConnectRawAsync();

        var request = Encoding.ASCII.GetBytes($"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1:{host.Port}\r\nOrigin: http://a")
            .Concat(bad)
            .Concat(Encoding.ASCII.GetBytes(".example\r\n\r\n"))
            .ToArray();
        await connection.SendAsync(request);
        var response = await connection.ReadResponseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(400));
            Assert.That(response.Header("Content-Type"), Is.EqualTo("application/json"));
            Assert.That(response.BodyText, Is.EqualTo(BadRequest));
            Assert.That(host.Server.ClientsCount, Is.Zero);
        }
    }

    [Test]
    public async Task ValidLatin1OriginIsAccepted()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var connection = await host.ConnectRawAsync();

        await connection.SendAsync($"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1:{host.Port}\r\nOrigin: http://a\tb.example\r\n\r\n");
        var response = await connection.ReadResponseAsync();

        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(response.BodyText, Does.StartWith("0{"));
    }

    [Test]
    public async Task Code4_AllowRequestRefusal_Is403WithItsMessage()
    {
        await using var host = await KestrelEngineHost.StartAsync(o =>
            o.AllowRequest = (request, _) => ValueTask.FromResult(request.GetQuery("token") == "good" ? null : "Not allowed here"));

        using var refused = await host.GetAsync("EIO=4&transport=polling&token=bad");
        using var allowed = await host.GetAsync("EIO=4&transport=polling&token=good");

        await AssertErrorAsync(refused, HttpStatusCode.Forbidden, """{"code":4,"message":"Not allowed here"}""");
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(host.Server.ClientsCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Code4_AllowRequestThatThrows_Is403Forbidden()
    {
        await using var host = await KestrelEngineHost.StartAsync(o =>
            o.AllowRequest = (_, _) => throw new InvalidOperationException("boom"));

        using var response = await host.GetAsync("EIO=4&transport=polling");

        await AssertErrorAsync(response, HttpStatusCode.Forbidden, """{"code":4,"message":"Forbidden"}""");
    }

    [Test]
    public async Task Code4_AllowRequestIsNotConsultedForExistingSessions()
    {
        var calls = 0;
        await using var host = await KestrelEngineHost.StartAsync(o =>
            o.AllowRequest = (_, _) => ValueTask.FromResult(Interlocked.Increment(ref calls) == 1 ? null : "only once"));
        var (handshake, socket) = await host.ConnectPollingAsync();

        socket.Send("hi");
        var poll = await host.PollAsync(handshake.Sid);

        Assert.That(poll, Is.EqualTo("4hi"));
        Assert.That(calls, Is.EqualTo(1));
    }

    [TestCase("transport=polling", TestName = "Code5_EioMissing")]
    [TestCase("EIO=&transport=polling", TestName = "Code5_EioEmpty")]
    [TestCase("EIO=abc&transport=polling", TestName = "Code5_EioAbc")]
    [TestCase("EIO=3&transport=polling", TestName = "Code5_Eio3")]
    [TestCase("EIO=5&transport=polling", TestName = "Code5_Eio5")]
    [TestCase("EIO=04&transport=polling", TestName = "Code5_EioOnlyTheExactString4Counts")]
    public async Task Code5_UnsupportedProtocolVersion(string query)
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var response = await host.GetAsync(query);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, UnsupportedProtocolVersion);
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task WebSocketUpgrade_UnknownSid_Is400TextHtmlWithConnectionClose()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var connection = await host.ConnectRawAsync();

        await connection.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, "/engine.io/?EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA"));
        var response = await connection.ReadResponseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.1 400 Bad Request"));
            Assert.That(response.Header("Connection"), Is.EqualTo("close"));
            Assert.That(response.Header("Content-Type"), Is.EqualTo("text/html"));
            Assert.That(response.BodyText, Is.EqualTo("Session ID unknown"));
        }

        Assert.That(await connection.WaitForPeerCloseAsync(), Is.True, "the server drops the connection");
    }

    [Test]
    public async Task WebSocketUpgrade_UnknownTransport_Is400TextHtmlWithConnectionClose()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var connection = await host.ConnectRawAsync();

        await connection.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, "/engine.io/?EIO=4&transport=flashsocket"));
        var response = await connection.ReadResponseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.1 400 Bad Request"));
            Assert.That(response.Header("Connection"), Is.EqualTo("close"));
            Assert.That(response.Header("Content-Type"), Is.EqualTo("text/html"));
            Assert.That(response.BodyText, Is.EqualTo("Transport unknown"));
        }

        Assert.That(await connection.WaitForPeerCloseAsync(), Is.True, "the server drops the connection");
    }

    [Test]
    public async Task WebSocketUpgrade_InvalidOrigin_Is400TextHtml()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var connection = await host.ConnectRawAsync();

        await connection.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, "/engine.io/?EIO=4&transport=websocket", "Origin: http://a\u007f.example"));
        var response = await connection.ReadResponseAsync();

        Assert.That(response.StatusCode, Is.EqualTo(400));
        Assert.That(response.BodyText, Is.EqualTo("Bad request"));
    }

    [TestCase("/engine.io/?EIO=5&transport=websocket", TestName = "WebSocketUpgrade_Eio5_IsRefusedBeforeUpgrading")]
    [TestCase("/engine.io/?transport=websocket", TestName = "WebSocketUpgrade_EioMissing_IsRefusedBeforeUpgrading")]
    public async Task WebSocketUpgrade_BadEio_IsRefusedWith400BeforeUpgrading(string pathAndQuery)
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var connection = await host.ConnectRawAsync();

        await connection.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, pathAndQuery));
        var response = await connection.ReadResponseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.1 400 Bad Request"), "no 101 first");
            Assert.That(response.Header("Connection"), Is.EqualTo("close"));
            Assert.That(response.Header("Content-Type"), Is.EqualTo("text/html"));
            Assert.That(response.BodyText, Is.EqualTo("Unsupported protocol version"));
            Assert.That(host.Server.ClientsCount, Is.Zero);
        }
    }

    [Test]
    public async Task WebSocketUpgrade_AllowRequestRefusal_Is400WithItsMessage()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.AllowRequest = (_, _) => ValueTask.FromResult<string?>("No sockets for you"));
        var connection = await host.ConnectRawAsync();

        await connection.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, "/engine.io/?EIO=4&transport=websocket"));
        var response = await connection.ReadResponseAsync();

        Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.1 400 Bad Request"));
        Assert.That(response.BodyText, Is.EqualTo("No sockets for you"));
    }
}
