using System.Text.Json.Nodes;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// <see cref="EngineIoOptions.AllowRequest"/> receives the request the session keeps (Node: what <c>allowRequest(req)</c>
/// puts on <c>req</c> is on <c>socket.request</c> later, the way express-session users load a session there).
/// </summary>
[TestFixture]
public sealed class AllowRequestRequestTests
{
    [Test]
    public async Task WhatAllowRequestKeepsOnTheRequest_IsOnTheSocketsRequest_OverWebSocket()
    {
        EngineIoRequest? allowed = null;
        await using var host = await SioTestHost.StartAsync(o => o.Engine.AllowRequest = (request, _) =>
        {
            allowed = request;
            request.Items["session"] = "user-42";
            return ValueTask.FromResult<string?>(null);
        });

        var (_, socket) = await host.ConnectWithHandlerAsync(null);

        Assert.That(socket.Request, Is.SameAs(allowed));
        Assert.That(socket.Request.Items["session"], Is.EqualTo("user-42"));
        Assert.That(socket.Conn.Request.Items["session"], Is.EqualTo("user-42"));
    }

    [Test]
    public async Task TheSameRequest_ReachesGenerateId_TheHeadersListeners_AndThePollingSession()
    {
        var seen = new List<EngineIoRequest>();
        await using var host = await SioTestHost.StartAsync(o =>
        {
            o.Engine.AllowRequest = (request, _) =>
            {
                seen.Add(request);
                return ValueTask.FromResult<string?>(null);
            };
            o.Engine.GenerateId = request =>
            {
                seen.Add(request);
                return ValueTask.FromResult("id-" + seen.Count);
            };
        });
        host.Io.Engine.OnInitialHeaders((_, request) => seen.Add(request));
        using var http = new HttpClient { Timeout = Signals.DefaultTimeout };

        var open = await http.GetStringAsync(new Uri(host.Url, "/socket.io/?EIO=4&transport=polling"));
        var sid = (string)JsonNode.Parse(open[1..])!["sid"]!;

        Assert.That(host.Io.Engine.TryGetClient(sid, out var session), Is.True);
        Assert.That(seen, Has.Count.EqualTo(3));
        Assert.That(seen, Has.All.SameAs(session!.Request));
    }
}
