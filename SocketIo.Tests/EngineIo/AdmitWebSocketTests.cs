using System.Net;
using Microsoft.Extensions.Primitives;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// <see cref="EngineIoServer.AdmitWebSocket(string, IReadOnlyDictionary{string, Microsoft.Extensions.Primitives.StringValues}, System.Net.IPAddress?, bool, bool)"/>, the seam through which a transport engine of its own (the
/// SocketIo.DirectWebSockets package) opens sessions: what it hands back. Which requests it admits is checked against
/// the HTTP path end to end (DirectWebSocketAgreementTests).
/// </summary>
[TestFixture]
public sealed class AdmitWebSocketTests
{
    private const string Url = "/engine.io/?EIO=4&transport=websocket&Room=blue";

    private static EngineIoServer Server() => new(new EngineIoOptions(), new RecordingEngineHandler());

    [Test]
    public void AnAdmittedRequest_IsTheSessionsRequest_WithItsQueryAsSent()
    {
        var headers = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase) { ["X-Test"] = "yes" };

        var request = Server().AdmitWebSocket(Url, headers, IPAddress.Loopback, isSecure: true)!;

        Assert.That(request, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Method, Is.EqualTo("GET"));
            Assert.That(request.Url, Is.EqualTo(Url));
            Assert.That(request.GetHeader("x-test"), Is.EqualTo("yes"));
            Assert.That(request.GetQuery("Room"), Is.EqualTo("blue"));
            Assert.That(request.Query.ContainsKey("room"), Is.False, "query keys as sent, as Node's parser keeps them");
            Assert.That(request.RemoteAddress, Is.EqualTo(IPAddress.Loopback));
            Assert.That(request.IsSecure, Is.True);
            Assert.That(request.User.Identity!.IsAuthenticated, Is.False);
        }
    }

    [Test]
    public void HeaderNames_AreCaseInsensitive_WhateverDictionaryTheEngineHandsIn()
    {
        var invalidOrigin = new Dictionary<string, StringValues>(StringComparer.Ordinal) { ["origin"] = "http://a\u0001" };
        Assert.That(Server().AdmitWebSocket(Url, invalidOrigin, null, false), Is.Null, "the Origin check sees a lower-case name");

        var plain = new Dictionary<string, StringValues>(StringComparer.Ordinal) { ["x-test"] = "yes" };
        Assert.That(Server().AdmitWebSocket(Url, plain, null, false)!.GetHeader("X-Test"), Is.EqualTo("yes"));
    }

    [Test]
    public void NothingIsAdmitted_OnceTheServerStopsAccepting()
    {
        var server = Server();
        server.StopAccepting();
        Assert.That(server.AdmitWebSocket(Url, new Dictionary<string, StringValues>(), null, false), Is.Null);
    }

    [Test]
    public void AV3Request_IsLeftToTheHttpPath_EvenWithAllowEIO3()
    {
        var server = new EngineIoServer(new EngineIoOptions { AllowEIO3 = true }, new RecordingEngineHandler());
        var headers = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);

        Assert.That(server.AdmitWebSocket("/engine.io/?EIO=3&transport=websocket", headers, null, false), Is.Null);
        Assert.That(server.AdmitWebSocket(Url, headers, null, false), Is.Not.Null, "a v4 request is still admitted");
    }
}
