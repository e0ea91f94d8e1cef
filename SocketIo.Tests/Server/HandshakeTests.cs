using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;
using SocketIOClient.Transport;

namespace SocketIo.Tests.Server;

/// <summary>
/// The namespace handshake (socket.io test/handshake.ts and socket.ts "handshake"): the CONNECT reply and what
/// <c>socket.handshake</c> holds (protocol.md "CONNECT / CONNECT_ERROR").
/// </summary>
[TestFixture]
public sealed partial class HandshakeTests
{
    [Test]
    public async Task Connect_RepliesWithASid_ThatIsAFresh20CharBase64Id_NotTheEngineSid()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();

        await client.SendAsync("0");
        var reply = await client.ReceiveTextAsync();

        var match = ConnectReply().Match(reply);
        Assert.That(match.Success, Is.True, reply);
        var sid = match.Groups[1].Value;
        Assert.That(sid, Is.Not.EqualTo(client.EngineSid));
        Assert.That(host.Io.Sockets.Sockets.Keys, Is.EqualTo<string[]>([sid]));
        var socket = host.Io.Sockets.Sockets[sid];
        Assert.That(socket.Id, Is.EqualTo(sid));
        Assert.That(socket.Conn.Id, Is.EqualTo(client.EngineSid));
        Assert.That(socket.Connected, Is.True);
    }

    [Test]
    public async Task EveryNamespaceConnection_GetsItsOwnId()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Of("/a");
        using var client = await host.OpenAsync();

        var main = await client.ConnectNamespaceAsync("/");
        var a = await client.ConnectNamespaceAsync("/a");
        using var other = await host.ConnectAsync();

        Assert.That(a, Is.Not.EqualTo(main));
        Assert.That(host.Io.Sockets.Sockets, Has.Count.EqualTo(2));
        Assert.That(host.Io.Sockets.Sockets.Keys, Has.No.Member(a));
        Assert.That(host.Io.Of("/a").Sockets.Keys, Is.EqualTo<string[]>([a]));
        Assert.That(host.Io.Of("/a").Sockets[a].Conn, Is.SameAs(host.Io.Sockets.Sockets[main].Conn));
    }

    [Test]
    public async Task Handshake_HasNodesFields_FromTheRequestAndTheConnectPacket()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Time.Advance(TimeSpan.FromMilliseconds(1234));
        var now = host.Time.GetUtcNow();
        using var client = await host.OpenAsync("foo=bar&foo=baz&q=%C3%A9", o =>
        {
            o.SetRequestHeader("X-Custom-Header", "Value");
            o.SetRequestHeader("Origin", "http://example.com");
        });
        var sid = await client.ConnectNamespaceAsync("/", """{"token":"abc","n":1}""");

        var handshake = host.Io.Sockets.Sockets[sid].Handshake;
        Assert.Multiple(() =>
        {
            Assert.That(handshake.Headers["x-custom-header"], Is.EqualTo("Value"));
            Assert.That(handshake.Headers.Keys, Is.All.Matches<string>(k => !k.Any(char.IsUpper)), "header names are lower case, as in Node");
            Assert.That(handshake.Headers["host"], Is.EqualTo(host.Url.Authority));
            Assert.That(handshake.XDomain, Is.True, "an Origin header makes the request cross-domain");
            Assert.That(handshake.Secure, Is.False);
            Assert.That(handshake.Address, Is.EqualTo("127.0.0.1"));
            Assert.That(handshake.Time, Is.EqualTo(new DateTimeOffset(2000, 1, 1, 0, 0, 1, TimeSpan.Zero)), "to the second, as Node's time text");
            Assert.That(handshake.Issued, Is.EqualTo(now), "to the millisecond");
            Assert.That(handshake.Url, Is.EqualTo("/socket.io/?EIO=4&transport=websocket&foo=bar&foo=baz&q=%C3%A9"));
            Assert.That(handshake.Query["EIO"], Is.EqualTo("4"));
            Assert.That(handshake.Query["transport"], Is.EqualTo("websocket"));
            Assert.That(handshake.Query["foo"], Is.EqualTo("baz"), "the last value of a repeated parameter");
            Assert.That(handshake.Query["q"], Is.EqualTo("é"));
            Assert.That(handshake.Auth.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("""{"token":"abc","n":1}"""));
        });
    }

    [Test]
    public async Task Handshake_WithoutOriginOrAuth_IsSameDomain_AndAuthIsAnEmptyObject()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync();

        var handshake = host.Io.Sockets.Sockets[sid].Handshake;
        Assert.That(handshake.XDomain, Is.False);
        Assert.That(handshake.Auth, Is.Empty);
    }

    [Test]
    public async Task Handshake_ToJson_HasNodesKeysInNodesOrder()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync("/", """{"a":1}""");

        var json = host.Io.Sockets.Sockets[sid].Handshake.ToJson();

        // socket.ts buildHandshake
        Assert.That(json.Properties().Select(p => p.Name), Is.EqualTo<string[]>(["headers", "time", "address", "xdomain", "secure", "issued", "url", "query", "auth"]));
        Assert.That(json["issued"]!.Type, Is.EqualTo(JTokenType.Integer));
        Assert.That((long)json["issued"]!, Is.EqualTo(host.Time.GetUtcNow().ToUnixTimeMilliseconds()), "Node's +new Date()");
        Assert.That((string?)json["time"], Is.EqualTo("Sat Jan 01 2000 00:00:00 GMT+0000 (Coordinated Universal Time)"), "JS new Date().toString()");
        Assert.That(json["auth"], Is.EqualTo(JObject.Parse("""{"a":1}""")).Using<JToken>((x, y) => JToken.DeepEquals(x, y)));

        var back = SocketIoHandshake.FromJson(json);
        Assert.That(back.Url, Is.EqualTo(host.Io.Sockets.Sockets[sid].Handshake.Url));
        Assert.That(back.Issued, Is.EqualTo(host.Io.Sockets.Sockets[sid].Handshake.Issued));
        Assert.That(back.Time, Is.EqualTo(host.Io.Sockets.Sockets[sid].Handshake.Time));
        Assert.That(back.Query["transport"], Is.EqualTo("websocket"));
    }

    [Test]
    public void AHandshakeFromAnotherNode_KeepsItsTimeText_AndReadsItsOffset()
    {
        const string text = "Thu Nov 26 2026 05:12:51 GMT+0100 (Central European Standard Time)";
        var wire = $$$"""{"headers":{},"time":"{{{text}}}","address":null,"xdomain":false,"secure":false,"issued":1795666371516,"url":"/","query":{},"auth":{}}""";

        var handshake = SocketIoHandshake.FromJson(JObject.Parse(wire));

        Assert.That(handshake.Time, Is.EqualTo(new DateTimeOffset(2026, 11, 26, 5, 12, 51, TimeSpan.FromHours(1))));
        Assert.That(handshake.Time.Offset, Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(handshake.Issued, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1_795_666_371_516)));
        Assert.That(System.Text.Encoding.UTF8.GetString(SocketIo.Server.Adapters.JsJson.Serialize(handshake.ToJson())), Is.EqualTo(wire), "written back as it came");
    }

    [TestCase("""{"time":"not a date","issued":1795666371516}""", 1_795_666_371_000L, 1_795_666_371_516L)]
    [TestCase("""{}""", 0L, 0L)]
    [TestCase("""{"issued":1e300}""", 253_402_300_799_000L, 253_402_300_799_999L)]
    [TestCase("""{"issued":-1e300}""", -62_135_596_800_000L, -62_135_596_800_000L)]
    public void AHandshakeWithoutJsDateText_TakesItsTimeFromIssued_ClampedToWhatDateTimeOffsetHolds(string json, long timeMs, long issuedMs)
    {
        var handshake = SocketIoHandshake.FromJson(JObject.Parse(json));

        Assert.That(handshake.Time.ToUnixTimeMilliseconds(), Is.EqualTo(timeMs));
        Assert.That(handshake.Issued.ToUnixTimeMilliseconds(), Is.EqualTo(issuedMs));
    }

    [Test]
    public async Task EachNamespace_SeesTheAuthOfItsOwnConnectPacket()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Of("/admin");
        using var client = await host.OpenAsync();

        var main = await client.ConnectNamespaceAsync("/", """{"who":"main"}""");
        var admin = await client.ConnectNamespaceAsync("/admin", """{"who":"admin"}""");

        Assert.That((string?)host.Io.Sockets.Sockets[main].Handshake.Auth["who"], Is.EqualTo("main"));
        Assert.That((string?)host.Io.Of("/admin").Sockets[admin].Handshake.Auth["who"], Is.EqualTo("admin"));
    }

    [TestCase(TransportProtocol.WebSocket)]
    [TestCase(TransportProtocol.Polling)]
    public async Task SocketIOClient_Connects_WithAuthQueryAndHeaders(TransportProtocol transport)
    {
        await using var host = await SioTestHost.StartAsync();
        var connected = new TaskCompletionSource<SocketIoSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.OnConnection((socket, _) =>
        {
            connected.TrySetResult(socket);
            return ValueTask.CompletedTask;
        });

        var client = await host.ConnectClientAsync("/", o =>
        {
            o.Transport = transport;
            o.AutoUpgrade = false;
            o.Auth = new Dictionary<string, string> { ["token"] = "secret" };
            o.Query = [new("room", "lobby")];
            o.ExtraHeaders = new Dictionary<string, string> { ["X-Client"] = "csharp" };
        });
        var socket = await connected.Task.WithTimeout("the connection handler");

        Assert.That(client.Id, Is.EqualTo(socket.Id));
        Assert.That(socket.Conn.TransportName, Is.EqualTo(transport == TransportProtocol.WebSocket ? "websocket" : "polling"));
        Assert.That((string?)socket.Handshake.Auth["token"], Is.EqualTo("secret"));
        Assert.That(socket.Handshake.Query["room"], Is.EqualTo("lobby"));
        Assert.That(socket.Handshake.Headers["x-client"], Is.EqualTo("csharp"));
    }

    [GeneratedRegex("^0\\{\"sid\":\"([A-Za-z0-9_-]{20})\"\\}$")]
    private static partial Regex ConnectReply();
}
