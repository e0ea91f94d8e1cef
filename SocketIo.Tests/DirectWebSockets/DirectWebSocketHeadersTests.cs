using NUnit.Framework;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>The engine's <c>initial_headers</c> and <c>headers</c> listeners on the 101 the lean listener writes itself.</summary>
[TestFixture]
public sealed class DirectWebSocketHeadersTests
{
    [Test]
    public async Task ANewSession_GetsTheListenersHeaders_AfterWsOwn_StillWithoutKestrel()
    {
        await using var host = await DirectWebSocketApp.StartAsync();
        var sessionRequests = new List<object>();
        host.Io.Engine
            .OnInitialHeaders((headers, request) =>
            {
                headers["x-initial"] = "1";
                sessionRequests.Add(request);
            })
            .OnHeaders((headers, _) => headers["x-every"] = new(["a", "b"]));
        var directBefore = host.Listener.DirectSessions;

        using var raw = await RawHttpConnection.ConnectAsync(host.Port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, "/socket.io/?EIO=4&transport=websocket"));
        var response = await raw.ReadResponseAsync();

        Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.1 101 Switching Protocols"));
        Assert.That(
            string.Join("\n", response.Headers.Select(h => h.Key + ": " + h.Value)),
            Is.EqualTo("Upgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\nx-initial: 1\nx-every: a\nx-every: b"));
        Assert.That(host.Listener.DirectSessions, Is.EqualTo(directBefore + 1), "served by the lean listener");
        await Signals.UntilAsync(() => host.Io.Engine.ClientsCount == 1, "the session to open");
        Assert.That(sessionRequests.Single(), Is.SameAs(host.Io.Engine.Clients.Single().Request));
    }

    [Test]
    public async Task AHeaderValueThatWouldSplitTheResponse_IsNotWritten_TheConnectionIsDropped()
    {
        await using var host = await DirectWebSocketApp.StartAsync();
        host.Io.Engine.OnHeaders((headers, _) => headers["x-evil"] = "1\r\nSet-Cookie: stolen=1");

        using var raw = await RawHttpConnection.ConnectAsync(host.Port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, "/socket.io/?EIO=4&transport=websocket"));

        Assert.That(await raw.WaitForPeerCloseAsync(), Is.True);
        Assert.That(raw.UnreadBytes, Is.Zero, "closed without a response");
        Assert.That(host.Io.Engine.ClientsCount, Is.Zero);
    }
}
