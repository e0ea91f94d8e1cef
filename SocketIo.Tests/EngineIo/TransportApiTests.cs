using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// What engine.io shows of transports: a session's <c>upgrading</c> flag, the server's <c>upgrades(transport)</c>, and
/// a transport's <c>sid</c>, <c>protocol</c>, <c>discarded</c> and <c>close()</c> (<see cref="EngineIoTransportInfo"/>).
/// </summary>
[TestFixture]
public sealed class TransportApiTests
{
    private const string Sid = "AAAAAAAAAAAAAAAAAAA1";

    private static (EngineIoServer Server, RecordingEngineHandler Handler) NewServer(Action<EngineIoOptions>? configure = null)
    {
        var options = new EngineIoOptions { TimeProvider = new FakeTimeProvider() };
        configure?.Invoke(options);
        var handler = new RecordingEngineHandler();
        return (new EngineIoServer(options, handler), handler);
    }

    [Test]
    public void Upgrades_NamesWebSocketForPolling_NothingForWebSocket_NothingWithoutAllowUpgrades()
    {
        var (server, _) = NewServer();
        Assert.That(server.Upgrades(EngineIoOptions.Polling), Is.EqualTo<string[]>([EngineIoOptions.WebSocket]));
        Assert.That(server.Upgrades(EngineIoOptions.WebSocket), Is.Empty);

        // As Node's upgrades(): the transports option is not consulted (the open packet's list is).
        var (pollingOnly, _) = NewServer(o => o.Transports.Remove(EngineIoOptions.WebSocket));
        Assert.That(pollingOnly.Upgrades(EngineIoOptions.Polling), Is.EqualTo<string[]>([EngineIoOptions.WebSocket]));

        var (noUpgrades, _) = NewServer(o => o.AllowUpgrades = false);
        Assert.That(noUpgrades.Upgrades(EngineIoOptions.Polling), Is.Empty);

        Assert.That(() => server.Upgrades("flashsocket"), Throws.ArgumentException);
    }

    [Test]
    public void TheTransportView_ShowsTheSessionsSidAndProtocol_OnEveryTransport_AndDiscardedAfterAnUpgrade()
    {
        var (server, _) = NewServer();
        var polling = new FakeEngineTransport(EngineIoOptions.Polling);
        var socket = server.Accept(Sid, polling, EngineIoRequests.Polling());
        var before = socket.Transport;
        Assert.That((before.Sid, before.Protocol, before.Discarded), Is.EqualTo((Sid, 4, false)));

        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket);
        Assert.That(socket.TryBeginUpgrade(ws), Is.True);
        ws.ReceiveText("2probe");
        ws.ReceiveText("5");

        Assert.That((socket.Transport.Name, socket.Transport.Sid, socket.Transport.Protocol), Is.EqualTo((EngineIoOptions.WebSocket, Sid, 4)));
        Assert.That(before.Discarded, Is.True, "the upgrade discarded polling");
        Assert.That(socket.Transport.Discarded, Is.False);

        var v3 = server.Accept("AAAAAAAAAAAAAAAAAAA3", new FakeEngineTransport(EngineIoOptions.Polling) { Protocol = 3 }, EngineIoRequests.Polling());
        Assert.That(v3.Transport.Protocol, Is.EqualTo(3));
    }

    [Test]
    public void ClosingTheCurrentTransport_EndsTheSession_WithTransportClose()
    {
        var (server, handler) = NewServer();
        var socket = server.Accept(Sid, new FakeEngineTransport(EngineIoOptions.WebSocket), EngineIoRequests.Polling());

        socket.Transport.Close();

        Assert.That(handler.Closes.Single().Reason, Is.EqualTo(EngineIoCloseReasons.TransportClose));
        Assert.That(socket.Transport.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
    }

    [Test]
    public void ClosingADiscardedTransport_LeavesTheSessionAlone()
    {
        var (server, handler) = NewServer();
        var polling = new FakeEngineTransport(EngineIoOptions.Polling);
        var socket = server.Accept(Sid, polling, EngineIoRequests.Polling());
        var before = socket.Transport;
        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket);
        socket.TryBeginUpgrade(ws);
        ws.ReceiveText("2probe");
        ws.ReceiveText("5");

        before.Close();

        Assert.That(polling.CloseCalls, Is.EqualTo(1), "closed once, by the upgrade");
        Assert.That(handler.Closes, Is.Empty);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public async Task ClosingAPollingTransport_AnswersThePendingGetWithClose_AndEndsTheSession()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (_, socket) = await host.ConnectPollingAsync();
        var poll = await host.StartPendingPollAsync(socket);

        socket.Transport.Close();

        Assert.That(await poll.WithTimeout("the pending GET"), Is.EqualTo("1"));
        var closed = await host.Handler.WaitForCloseAsync(socket.Id);
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportClose));
    }

    [Test]
    public async Task ClosingAWebSocketTransport_SendsTheCloseFrame_AndTheSessionEndsWhenTheClientAnswers()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, _, socket) = await host.ConnectDirectWebSocketAsync();

        socket.Transport.Close();

        var frame = await client.ReceiveAsync();
        Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Close));
        await client.CloseOutputAsync();
        var closed = await host.Handler.WaitForCloseAsync(socket.Id);
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportClose));
    }

    [Test]
    public async Task Upgrading_IsTrueFromTheWebSocketsArrival_UntilTheUpgrade()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (_, socket) = await host.ConnectPollingAsync();
        Assert.That(socket.Upgrading, Is.False);
        var pending = await host.StartPendingPollAsync(socket);

        var ws = await host.ConnectWebSocketAsync("EIO=4&transport=websocket&sid=" + socket.Id);
        await Signals.UntilAsync(() => socket.Upgrading, "the upgrade to start");
        await ws.SendTextAsync("2probe");
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("3probe"));
        Assert.That(await pending.WithTimeout("the noop"), Is.EqualTo("6"));
        Assert.That((socket.Upgrading, socket.Upgraded), Is.EqualTo((true, false)));

        await ws.SendTextAsync("5");
        await Signals.UntilAsync(() => socket.Upgraded, "the upgrade");
        Assert.That(socket.Upgrading, Is.False);
    }

    [Test]
    public async Task Upgrading_FallsBack_WhenTheProbingWebSocketGoesAway()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (_, socket) = await host.ConnectPollingAsync();

        var ws = await host.ConnectWebSocketAsync("EIO=4&transport=websocket&sid=" + socket.Id);
        await Signals.UntilAsync(() => socket.Upgrading, "the upgrade to start");
        ws.Socket.Abort();

        await Signals.UntilAsync(() => !socket.Upgrading, "the attempt to end");
        Assert.That((socket.Upgraded, socket.TransportName, socket.ReadyState), Is.EqualTo((false, EngineIoOptions.Polling, EngineIoReadyState.Open)));
    }
}
