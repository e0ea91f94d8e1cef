using System.Buffers;
using System.Text;
using NUnit.Framework;
using SocketIo.DirectWebSockets;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>The strict upgrade-request parser of <c>UseDirectWebSockets</c>: what it takes, and what it leaves to Kestrel.</summary>
[TestFixture]
public sealed class WebSocketHandshakeRequestTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private static string Head(string requestLine = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", params string[] extra) =>
        requestLine + "\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n"
        + string.Concat(extra.Select(h => h + "\r\n")) + "\r\n";

    private static WebSocketHandshakeRequest? Parse(string text) => WebSocketHandshakeRequest.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)));

    [Test]
    public void APlainUpgrade_IsParsed_WithItsTargetHeadersAndLength()
    {
        var head = Head(extra: ["X-Thing: a", "x-thing: b"]);
        var request = Parse(head + "trailing frame bytes")!;
        Assert.That(request, Is.Not.Null);
        Assert.That(request.Target, Is.EqualTo("/socket.io/?EIO=4&transport=websocket"));
        Assert.That(request.Path, Is.EqualTo("/socket.io/"));
        Assert.That(request.QueryString, Is.EqualTo("EIO=4&transport=websocket"));
        Assert.That(request.Length, Is.EqualTo(head.Length));
        Assert.That(request.Headers["X-THING"].ToString(), Is.EqualTo("a,b"));
        Assert.That(request.IsPlainUpgrade(), Is.True);
    }

    [Test]
    public void CommonHeaderNamesAndValues_AreSharedStrings_OthersAreCopies()
    {
        var first = Parse(Head(extra: ["X-Thing: a"]))!;
        var second = Parse(Head(extra: ["X-Thing: a"]))!;
        string NameOf(WebSocketHandshakeRequest r, string name) => r.Headers.Keys.Single(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(NameOf(first, "sec-websocket-version"), Is.SameAs(NameOf(second, "sec-websocket-version")));
            Assert.That(first.Header("Upgrade"), Is.SameAs(second.Header("Upgrade")));
            Assert.That(first.Header("Sec-WebSocket-Version"), Is.SameAs(second.Header("Sec-WebSocket-Version")));
            Assert.That(NameOf(first, "x-thing"), Is.Not.SameAs(NameOf(second, "x-thing")));
            Assert.That(first.Header("Sec-WebSocket-Key"), Is.EqualTo(Key));
        }
    }

    [Test]
    public void CommonQueryKeysAndValues_AreSharedStrings_InTheEngineRequest()
    {
        var parsed = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("EIO=4&transport=websocket&room=blue");
        var first = SocketIo.Server.EngineIo.EngineIoRequest.OrdinalQuery(parsed, parsed.Count);
        var second = SocketIo.Server.EngineIo.EngineIoRequest.OrdinalQuery(
            Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("EIO=4&transport=websocket&room=blue"), 3);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Keys.First(k => k == "transport"), Is.SameAs(second.Keys.First(k => k == "transport")));
            Assert.That(first["EIO"][0], Is.SameAs(second["EIO"][0]));
            Assert.That(first["transport"][0], Is.SameAs(second["transport"][0]));
            Assert.That(first["room"][0], Is.EqualTo("blue"));
        }
    }

    [TestCase("POST /socket.io/?EIO=4&transport=websocket HTTP/1.1")]
    [TestCase("GET /socket.io/?EIO=4&transport=websocket HTTP/1.0")]
    [TestCase("GET  /socket.io/ HTTP/1.1")]
    [TestCase("GET socket.io HTTP/1.1")]
    public void AnotherRequestLine_IsLeftToKestrel(string requestLine) => Assert.That(Parse(Head(requestLine)), Is.Null);

    [Test]
    public void AnIncompleteHead_IsLeftToKestrel() => Assert.That(Parse(Head()[..^2]), Is.Null);

    [TestCase(" folded: continuation")]
    [TestCase("no colon here")]
    [TestCase("Bad Name: x")]
    [TestCase("X-Latin: caf\u00e9")]
    [TestCase("X-Ctl: a\u0001b")]
    public void AMalformedOrNonAsciiHeaderLine_IsLeftToKestrel(string line) => Assert.That(Parse(Head(extra: line)), Is.Null);

    [TestCase("X-Bare: a\nHost: evil")]
    [TestCase("X-Bare: a\rb")]
    public void ABareCrOrLf_IsLeftToKestrel(string line) => Assert.That(Parse(Head(extra: line)), Is.Null);

    [Test]
    public void MoreThanAHundredHeaders_AreLeftToKestrel()
    {
        Assert.That(Parse(Head(extra: [.. Enumerable.Range(0, 95).Select(i => "X-" + i + ": v")])), Is.Not.Null);
        Assert.That(Parse(Head(extra: [.. Enumerable.Range(0, 96).Select(i => "X-" + i + ": v")])), Is.Null);
    }

    [TestCase("Sec-WebSocket-Protocol: chat")]
    [TestCase("Content-Length: 3")]
    [TestCase("Transfer-Encoding: chunked")]
    public void AnUpgradeThatNeedsMore_IsNotPlain(string line) => Assert.That(Parse(Head(extra: line))!.IsPlainUpgrade(), Is.False);

    [Test]
    public void AnExtensionOffer_IsPlain_TheEngineJudgesIt()
    {
        // Whether the offer must be answered is the server's rule (EngineIoServer.AdmitWebSocket), not the parser's.
        var request = Parse(Head(extra: "Sec-WebSocket-Extensions: permessage-deflate"))!;
        Assert.That(request.IsPlainUpgrade(), Is.True);
    }

    [Test]
    public void ABadKeyOrVersionOrMissingConnectionUpgrade_IsNotPlain()
    {
        Assert.That(Parse(Head().Replace(Key, "short", StringComparison.Ordinal))!.IsPlainUpgrade(), Is.False);
        Assert.That(Parse(Head().Replace("Version: 13", "Version: 8", StringComparison.Ordinal))!.IsPlainUpgrade(), Is.False);
        Assert.That(Parse(Head().Replace("keep-alive, Upgrade", "keep-alive", StringComparison.Ordinal))!.IsPlainUpgrade(), Is.False);
        Assert.That(Parse(Head().Replace("Host: 127.0.0.1\r\n", string.Empty, StringComparison.Ordinal))!.IsPlainUpgrade(), Is.False);
    }

    [Test]
    public void TheAnswer_IsRfc6455s101_WithTheAcceptKeyOfItsExample()
    {
        var response = Encoding.ASCII.GetString(Parse(Head())!.SwitchingProtocolsResponse());
        Assert.That(response, Is.EqualTo(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
    }
}
