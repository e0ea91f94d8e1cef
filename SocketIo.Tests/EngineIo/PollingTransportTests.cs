using System.IO.Compression;
using System.Net;
using System.Text;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>HTTP long-polling: payloads, POST rules, overlaps, sizes and compression (protocol.md "Polling payloads").</summary>
[TestFixture]
public sealed class PollingTransportTests
{
    [Test]
    public async Task Poll_ReturnsBufferedPacketsJoinedByRecordSeparator()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();

        socket.Send("hello");
        socket.Send("€");
        socket.Send(new byte[] { 1, 2, 3 });
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body, Is.EqualTo("4hello\u001e4€\u001ebAQID"u8.ToArray()));
        Assert.That(response.Content.Headers.NonValidated["Content-Type"].ToString(), Is.EqualTo("text/plain; charset=UTF-8"));
    }

    [Test]
    public async Task PendingPoll_IsAnsweredWhenTheServerSends()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (_, socket) = await host.ConnectPollingAsync();

        var poll = await host.StartPendingPollAsync(socket);
        Assert.That(poll.IsCompleted, Is.False, "nothing to send yet");
        socket.Send("late");

        Assert.That(await poll.WithTimeout("the pending poll"), Is.EqualTo("4late"));
    }

    [Test]
    public async Task Post_DeliversEveryPacketInOrder_AndAnswers200OkTextHtml()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();

        using var response = await host.PostAsync(handshake.Sid, "4hello\u001e4€\u001ebAQID\u001e4");
        var messages = await host.Handler.WaitForMessagesAsync(handshake.Sid, 4);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("ok"));
            Assert.That(response.Content.Headers.NonValidated["Content-Type"].ToString(), Is.EqualTo("text/html"));
            Assert.That(messages.Select(m => m.IsBinary), Is.EqualTo<bool[]>([false, false, true, false]));
            Assert.That(messages[0].Text, Is.EqualTo("hello"));
            Assert.That(messages[1].Text, Is.EqualTo("€"));
            Assert.That(messages[2].Data, Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That(messages[3].Data, Is.Empty);
        }
    }

    [Test]
    public async Task Post_OctetStream_Is400AndClosesTheSession()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();

        using var response = await host.PostBytesAsync(handshake.Sid, "4hello"u8.ToArray(), "application/octet-stream");
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportError));
        Assert.That(host.Handler.MessagesOf(handshake.Sid), Is.Empty);
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task Post_BodyOverMaxHttpBufferSize_Is413Empty_AndClosesTheSession()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.MaxHttpBufferSize = 100);
        var (handshake, _) = await host.ConnectPollingAsync();

        // Exactly maxHttpBufferSize is fine.
        await host.PostOkAsync(handshake.Sid, "4" + new string('y', 99));
        var message = await host.Handler.WaitForMessagesAsync(handshake.Sid, 1);
        Assert.That(message.Single().Text, Is.EqualTo(new string('y', 99)));

        // One byte more: 413 with no body, and the session ends (engine.io 6.6.13; 6.6.12 kept it).
        using var tooBig = await host.PostAsync(handshake.Sid, "4" + new string('x', 100));
        Assert.That(tooBig.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(await tooBig.Content.ReadAsByteArrayAsync(), Is.Empty);
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);
        Assert.That((closed.Reason, closed.Description), Is.EqualTo((EngineIoCloseReasons.TransportError, (string?)"payload too large")));
    }

    [Test]
    public async Task Post_ChunkedBodyOverMaxHttpBufferSize_Is413_AndClosesTheSession()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.MaxHttpBufferSize = 100);
        var (handshake, _) = await host.ConnectPollingAsync();

        // A stream of unknown length goes out chunked: the server cannot rely on Content-Length.
        using var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes("4" + new string('x', 500))));
        content.Headers.TryAddWithoutValidation("Content-Type", "text/plain;charset=UTF-8");
        using var response = await host.SendAsync(HttpMethod.Post, KestrelEngineHost.PollingQuery(handshake.Sid), content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(host.Handler.MessagesOf(handshake.Sid), Is.Empty);
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);
        Assert.That((closed.Reason, closed.Description), Is.EqualTo((EngineIoCloseReasons.TransportError, (string?)"payload too large")));
    }

    [Test]
    public async Task GetWhileAGetIsPending_Is400_PendingGetReceivesClose_SessionCloses()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var pending = await host.StartPendingPollAsync(socket);

        using var second = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid));
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await second.Content.ReadAsByteArrayAsync(), Is.Empty);
        Assert.That(await pending.WithTimeout("the first GET"), Is.EqualTo("1"));
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportError));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task OverlappingPosts_Is400AndClosesTheSession()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();

        await StartPostMidBodyAsync(host, handshake.Sid);

        using var second = await host.PostAsync(handshake.Sid, "4second");
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportError));
        Assert.That(host.Handler.MessagesOf(handshake.Sid), Is.Empty);
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    /// <summary>Bodies whose packets end the session while their own POST is in flight, and the close each gives.</summary>
    private static IEnumerable<TestCaseData> SessionBreakingPosts()
    {
        foreach (var connection in new[] { "keep-alive", "close" })
        {
            yield return new TestCaseData("9zzz"u8.ToArray(), false, EngineIoCloseReasons.ParseError, connection).SetArgDisplayNames("unknown type", connection);
            yield return new TestCaseData(new byte[] { 0xff, 0xfe }, false, EngineIoCloseReasons.ParseError, connection).SetArgDisplayNames("invalid UTF-8", connection);
            yield return new TestCaseData("2"u8.ToArray(), false, EngineIoCloseReasons.TransportError, connection).SetArgDisplayNames("client ping", connection);
            // The Socket.IO layer closes the session from its message callback (an invalid packet, a packet for a
            // namespace not joined): a forced close from inside the POST.
            yield return new TestCaseData("4abc"u8.ToArray(), true, EngineIoCloseReasons.ForcedClose, connection).SetArgDisplayNames("handler closes", connection);
        }
    }

    [TestCaseSource(nameof(SessionBreakingPosts))]
    public async Task PostWhosePayloadClosesTheSession_IsAnswered200Ok_PendingGetGetsTheClose(byte[] body, bool handlerCloses, string reason, string connection)
    {
        await using var host = await KestrelEngineHost.StartAsync();
        if (handlerCloses)
        {
            host.Handler.MessageHook = (socket, _) => socket.Close();
        }

        var (handshake, socket) = await host.ConnectPollingAsync();
        var pending = await host.StartPendingPollAsync(socket);
        var raw = await host.ConnectRawAsync();
        var query = KestrelEngineHost.PollingQuery(handshake.Sid);
        await raw.SendAsync([
            .. Encoding.ASCII.GetBytes(
                $"POST {KestrelEngineHost.EnginePath}?{query} HTTP/1.1\r\nHost: 127.0.0.1:{host.Port}\r\n" +
                $"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {body.Length}\r\nConnection: {connection}\r\n\r\n"),
            .. body,
        ]);

        // Node answers the POST and closes the session; it destroys only a data request whose body is unread
        // (polling.ts doClose, _http_incoming.js _destroy). Aborting it here was a TCP reset for the client.
        var response = await raw.ReadResponseAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(200));
            Assert.That(response.BodyText, Is.EqualTo("ok"));
            Assert.That(response.Header("Content-Type"), Is.EqualTo("text/html"));
            Assert.That(await pending.WithTimeout("the pending GET"), Is.EqualTo("1"));
            Assert.That((await host.Handler.WaitForCloseAsync(handshake.Sid)).Reason, Is.EqualTo(reason));
        }

        if (connection == "close")
        {
            Assert.That(await raw.WaitForPeerCloseAsync(), Is.True, "Connection: close is honoured after the response");
            return;
        }

        // Keep-alive: the connection survives the close and serves the next request, which finds no session.
        await raw.SendAsync($"GET {KestrelEngineHost.EnginePath}?{query} HTTP/1.1\r\nHost: 127.0.0.1:{host.Port}\r\n\r\n");
        var next = await raw.ReadResponseAsync();
        Assert.That(next.StatusCode, Is.EqualTo(400));
        Assert.That(next.BodyText, Is.EqualTo("""{"code":1,"message":"Session ID unknown"}"""));
    }

    [Test]
    public async Task SessionClosedWhileAPostBodyIsStillArriving_AbortsThatPost()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();

        var raw = await StartPostMidBodyAsync(host, handshake.Sid);

        // An incomplete data request is destroyed on close, as Node's dataReq.destroy() does (polling.ts doClose).
        socket.Close();

        Assert.That(await raw.WaitForPeerCloseAsync(), Is.True);
        Assert.That(host.Handler.MessagesOf(handshake.Sid), Is.Empty);
    }

    [TestCase("PUT")]
    [TestCase("DELETE")]
    [TestCase("PATCH")]
    public async Task OtherMethodWithValidSid_Is500Empty(string method)
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();

        using var content = new StringContent("4hello");
        using var response = await host.SendAsync(new HttpMethod(method), KestrelEngineHost.PollingQuery(handshake.Sid), method == "DELETE" ? null : content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
        Assert.That(host.Handler.MessagesOf(handshake.Sid), Is.Empty);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public async Task Compression_ResponseAtThresholdIsGzippedWhenAccepted()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var text = new string('a', 1023); // "4" + 1023 = 1024 bytes, exactly the default threshold

        socket.Send(text);
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid), "gzip, deflate");
        var raw = await response.Content.ReadAsByteArrayAsync();

        Assert.That(response.Content.Headers.ContentEncoding, Is.EqualTo<string[]>(["gzip"]));
        Assert.That(raw, Has.Length.LessThan(1024));
        await using var gunzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
        using var reader = new StreamReader(gunzip, Encoding.UTF8);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("4" + text));
    }

    [Test]
    public async Task Compression_ResponseBelowThresholdIsNotCompressed()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var text = new string('a', 1022); // 1023 bytes on the wire

        socket.Send(text);
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid), "gzip");

        Assert.That(response.Content.Headers.ContentEncoding, Is.Empty);
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("4" + text));
    }

    [Test]
    public async Task Compression_NotWithoutAcceptEncoding()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var text = new string('a', 5000);

        socket.Send(text);
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid));

        Assert.That(response.Content.Headers.ContentEncoding, Is.Empty);
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("4" + text));
    }

    [Test]
    public async Task Compression_NotWhenNoPacketAllowsIt()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var text = new string('a', 5000);

        socket.Send(text, compress: false);
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid), "gzip");

        Assert.That(response.Content.Headers.ContentEncoding, Is.Empty);
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("4" + text));
    }

    [Test]
    public async Task Compression_DeflateIsZlibWhenOnlyDeflateIsAccepted()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var text = new string('b', 3000);

        socket.Send(text);
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid), "deflate");
        var raw = await response.Content.ReadAsByteArrayAsync();

        Assert.That(response.Content.Headers.ContentEncoding, Is.EqualTo<string[]>(["deflate"]));
        await using var inflate = new ZLibStream(new MemoryStream(raw), CompressionMode.Decompress);
        using var reader = new StreamReader(inflate, Encoding.UTF8);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("4" + text));
    }

    [TestCase("gzip")]
    [TestCase("deflate")]
    public async Task CompressionLevel_ZeroStoresTheBody_UncompressedInsideTheEncoding(string encoding)
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.HttpCompressionLevel = 0);
        var (handshake, socket) = await host.ConnectPollingAsync();
        var text = new string('c', 4000);

        socket.Send(text);
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid), encoding);
        var raw = await response.Content.ReadAsByteArrayAsync();

        Assert.That(response.Content.Headers.ContentEncoding, Is.EqualTo<string[]>([encoding]));
        // Level 0 stores: the 4,001 bytes and the container's framing; any level above it squeezes 'c' x 4000 to a few dozen.
        Assert.That(raw, Has.Length.GreaterThan(4001));
        using var input = new MemoryStream(raw);
        using Stream decoder = encoding == "gzip" ? new System.IO.Compression.GZipStream(input, System.IO.Compression.CompressionMode.Decompress) : new System.IO.Compression.ZLibStream(input, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(decoder);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("4" + text));
    }

    [Test]
    public void CompressionLevels_OutsideZlibsRange_AreOptionsErrors()
    {
        var options = new EngineIoOptions { HttpCompressionLevel = 10, PerMessageDeflateLevel = -1 };
        Assert.That(options.GetErrors(), Has.One.Contains("HttpCompressionLevel").And.One.Contains("PerMessageDeflateLevel"));
    }

    [Test]
    public async Task Compression_DisabledByOption()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.HttpCompressionThreshold = null);
        var (handshake, socket) = await host.ConnectPollingAsync();

        socket.Send(new string('a', 5000));
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid), "gzip");

        Assert.That(response.Content.Headers.ContentEncoding, Is.Empty);
    }

    [Test]
    public async Task AbortedPendingPoll_ClosesTheSessionWithTransportError()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        using var cancel = new CancellationTokenSource();

        var poll = host.SendAsync(HttpMethod.Get, KestrelEngineHost.PollingQuery(handshake.Sid), cancellationToken: cancel.Token);
        await Signals.UntilAsync(() => socket.IsWritable, "the GET is pending on the server");
        await cancel.CancelAsync();
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportError));
        Assert.That(closed.Description, Is.EqualTo("poll connection closed prematurely"));
        Assert.That(async () => await poll, Throws.InstanceOf<OperationCanceledException>());
    }

    /// <summary>
    /// Starts a POST that announces a 6-byte body and asks to continue; Kestrel answers "100 Continue" only when the
    /// engine starts reading the body, so once it has, the POST is certainly in flight on the server, mid-body.
    /// </summary>
    private static async Task<RawHttpConnection> StartPostMidBodyAsync(KestrelEngineHost host, string sid)
    {
        var raw = await host.ConnectRawAsync();
        await raw.SendAsync(
            $"POST {KestrelEngineHost.EnginePath}?{KestrelEngineHost.PollingQuery(sid)} HTTP/1.1\r\n" +
            $"Host: 127.0.0.1:{host.Port}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\n");
        Assert.That((await raw.ReadResponseAsync()).StatusCode, Is.EqualTo(100), "the POST's body is being read");
        return raw;
    }

    /// <summary>A read-only stream without a length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
