using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using NUnit.Framework;
using SocketIo.Server.EngineIo;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// The headers and query a session keeps (<see cref="EngineIoRequest"/>): a compact copy that still reads as the
/// dictionaries it replaces: header names case-insensitive, query keys as sent, order kept, a repeated key's last
/// value winning.
/// </summary>
[TestFixture]
public sealed class RequestValuesTests
{
    [Test]
    public void Headers_AreFoundWhateverTheCase_AndKeepTheirOrder()
    {
        var request = EngineRequestWith(new Dictionary<string, StringValues> { ["Host"] = "a", ["X-Thing"] = new(["1", "2"]), ["Origin"] = "o" });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Headers["host"].ToString(), Is.EqualTo("a"));
            Assert.That(request.Headers.TryGetValue("x-THING", out var thing) ? thing.ToArray() : null, Is.EqualTo<string[]>(["1", "2"]));
            Assert.That(request.Headers.ContainsKey("ORIGIN"), Is.True);
            Assert.That(request.Headers.ContainsKey("Cookie"), Is.False);
            Assert.That(request.Headers.Keys, Is.EqualTo<string[]>(["Host", "X-Thing", "Origin"]));
            Assert.That(request.Headers.Count, Is.EqualTo(3));
            Assert.That(request.GetHeader("origin"), Is.EqualTo("o"));
            Assert.Throws<KeyNotFoundException>(() => _ = request.Headers["Cookie"]);
        }
    }

    [Test]
    public void QueryKeys_AreCaseSensitive_AsNodesParser()
    {
        var query = EngineIoRequest.OrdinalQuery([new("room", "blue"), new("Room", "red"), new("EIO", "4")], 3);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(query["room"].ToString(), Is.EqualTo("blue"));
            Assert.That(query["Room"].ToString(), Is.EqualTo("red"));
            Assert.That(query.ContainsKey("ROOM"), Is.False);
            Assert.That(query.Select(p => p.Key), Is.EqualTo<string[]>(["room", "Room", "EIO"]));
        }
    }

    [Test]
    public void ARepeatedKey_KeepsItsPlace_WithTheLastValue()
    {
        var query = EngineIoRequest.OrdinalQuery([new("a", "1"), new("b", "2"), new("a", "3")], 2);
        Assert.That(query.Select(p => (p.Key, p.Value.ToString())), Is.EqualTo(new[] { ("a", "3"), ("b", "2") }));
    }

    [Test]
    public void TheSnapshotOfAnHttpRequest_ReadsItsHeadersAndQuery()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/socket.io/";
        context.Request.QueryString = new QueryString("?EIO=4&transport=polling&Token=x");
        context.Request.Headers["User-Agent"] = "test";
        var request = EngineIoRequest.From(context);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.GetHeader("user-agent"), Is.EqualTo("test"));
            Assert.That(request.GetQuery("Token"), Is.EqualTo("x"));
            Assert.That(request.GetQuery("transport"), Is.EqualTo("polling"));
        }
    }

    private static EngineIoRequest EngineRequestWith(Dictionary<string, StringValues> headers) =>
        new EngineIoServer(new EngineIoOptions(), new SocketIo.Tests.Support.RecordingEngineHandler()).AdmitWebSocket("/socket.io/?EIO=4&transport=websocket", headers, null, isSecure: false)
        ?? throw new AssertionException("the request was not admitted");
}
