using System.Collections.Concurrent;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// A session's events (Node: <c>socket.conn.on(…)</c>: <c>upgrading</c>, <c>upgrade</c>, <c>packet</c>,
/// <c>packetCreate</c>, <c>heartbeat</c>, <c>drain</c>, <c>close</c>) and <see cref="EngineIoServer.OnConnection"/>.
/// </summary>
[TestFixture]
public sealed class SessionEventsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25000);

    /// <summary>A host whose sessions record every event, as "name:detail", from the moment they open.</summary>
    private static async Task<(KestrelEngineHost Host, ConcurrentQueue<string> Events)> StartAsync()
    {
        var events = new ConcurrentQueue<string>();
        var host = await KestrelEngineHost.StartAsync();
        host.Server.OnConnection(socket => socket
            .OnUpgrading(t => events.Enqueue("upgrading:" + t))
            .OnUpgrade(t => events.Enqueue("upgrade:" + t))
            .OnPacket(p => events.Enqueue($"packet:{p.Type}:{p.Text}"))
            .OnPacketCreate(p => events.Enqueue($"packetCreate:{p.Type}:{p.Text}"))
            .OnHeartbeat(() => events.Enqueue("heartbeat"))
            .OnDrain(() => events.Enqueue("drain"))
            .OnClose((reason, description) => events.Enqueue($"close:{reason}:{description}")));
        return (host, events);
    }

    private static async Task<EngineWebSocket> UpgradeAsync(KestrelEngineHost host, EngineIoSocket socket)
    {
        var pending = await host.StartPendingPollAsync(socket);
        var ws = await host.ConnectWebSocketAsync("EIO=4&transport=websocket&sid=" + socket.Id);
        await ws.SendTextAsync("2probe");
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("3probe"));
        Assert.That(await pending.WithTimeout("the noop"), Is.EqualTo("6"));
        await ws.SendTextAsync("5");
        await Signals.UntilAsync(() => socket.Upgraded, "the upgrade");
        return ws;
    }

    [Test]
    public async Task AnUpgrade_IsUpgradingThenUpgrade_NamingTheNewTransport()
    {
        var (host, events) = await StartAsync();
        await using var _ = host;
        var (_, socket) = await host.ConnectPollingAsync();

        await UpgradeAsync(host, socket);

        Assert.That(string.Join(", ", events.Where(e => e.StartsWith("upgrad", StringComparison.Ordinal))), Is.EqualTo("upgrading:websocket, upgrade:websocket"));
        Assert.That(socket.TransportName, Is.EqualTo("websocket"));
    }

    [Test]
    public async Task AReceivedPacket_IsReported_BeforeItsMessageReachesTheHandler()
    {
        var (host, events) = await StartAsync();
        await using var _ = host;
        var (_, socket) = await host.ConnectPollingAsync();
        var seenByHandler = new ConcurrentQueue<int>();
        host.Handler.MessageHook = (_, _) => seenByHandler.Enqueue(events.Count(e => e.StartsWith("packet:", StringComparison.Ordinal)));

        await host.PostOkAsync(socket.Id, "4hello");
        await host.Handler.WaitForMessageAsync(socket.Id, "hello");

        Assert.That(events, Does.Contain("packet:message:hello"));
        Assert.That(seenByHandler.Single(), Is.EqualTo(1), "the packet event came first");
    }

    [Test]
    public async Task ASend_IsPacketCreateThenDrain_APingIsAPacketCreate_ThePongAHeartbeat()
    {
        var (host, events) = await StartAsync();
        await using var _ = host;
        var (_, socket) = await host.ConnectPollingAsync();
        var poll = await host.StartPendingPollAsync(socket);
        events.Clear();

        socket.Send("out");
        Assert.That(await poll.WithTimeout("the poll"), Is.EqualTo("4out"));
        Assert.That(string.Join(", ", events), Is.EqualTo("packetCreate:message:out, drain"));

        events.Clear();
        host.Time.Advance(Interval);
        Assert.That(await host.PollAsync(socket.Id), Is.EqualTo("2"));
        await host.PostOkAsync(socket.Id, "3");
        await Signals.UntilAsync(() => events.Contains("heartbeat"), "the heartbeat event");
        Assert.That(string.Join(", ", events.Where(e => e.StartsWith("packet", StringComparison.Ordinal))), Is.EqualTo("packetCreate:ping:, packet:pong:"));
        Assert.That(events, Does.Contain("drain"), "the ping was handed to the poll");
    }

    [Test]
    public async Task TheClose_IsReportedWithNodesReasonAndDescription_AfterTheHandler()
    {
        var (host, events) = await StartAsync();
        await using var _ = host;
        var (_, socket) = await host.ConnectPollingAsync();
        var handlerSawItFirst = false;
        host.Handler.CloseHook = (_, _, _) => handlerSawItFirst = !events.Any(e => e.StartsWith("close:", StringComparison.Ordinal));

        // A second GET while one is pending: "transport error", described as engine.io describes it.
        var first = await host.StartPendingPollAsync(socket);
        using var overlap = await host.GetAsync(KestrelEngineHost.PollingQuery(socket.Id));
        await host.Handler.WaitForCloseAsync(socket.Id);

        await Signals.UntilAsync(() => events.Any(e => e.StartsWith("close:", StringComparison.Ordinal)), "the close event");
        Assert.That(events.Single(e => e.StartsWith("close:", StringComparison.Ordinal)), Is.EqualTo("close:transport error:overlap from client"));
        Assert.That(handlerSawItFirst, Is.True);
        Assert.That(await first.WithTimeout("the first poll to end"), Is.Not.Null);
    }

    [Test]
    public async Task APingTimeout_IsTheCloseReason()
    {
        var (host, events) = await StartAsync();
        await using var _ = host;
        var (_, socket) = await host.ConnectPollingAsync();

        host.Time.Advance(Interval);
        host.Time.Advance(TimeSpan.FromMilliseconds(20000));
        await host.Handler.WaitForCloseAsync(socket.Id);

        Assert.That(events, Does.Contain("close:ping timeout:"));
    }

    [Test]
    public async Task AListenerThatThrows_IsLogged_TheOthersAndTheSessionGoOn()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var later = new ConcurrentQueue<string>();
        host.Server.OnConnection(socket => socket
            .OnPacket(_ => throw new InvalidOperationException("listener bug"))
            .OnPacket(p => later.Enqueue(p.Text!)));
        var (_, socket) = await host.ConnectPollingAsync();

        await host.PostOkAsync(socket.Id, "4a");
        await host.Handler.WaitForMessageAsync(socket.Id, "a");

        Assert.That(later.Single(), Is.EqualTo("a"));
        Assert.That(host.Logs.Entries.Any(e => e.Exception?.Message == "listener bug"), Is.True);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public async Task TheServersConnectionListener_SeesTheSession_AfterTheHandler_BeforeItsFirstRequestIsRead()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var seen = new ConcurrentQueue<(string Sid, bool HandlerKnew, EngineIoReadyState State)>();
        host.Server.OnConnection(socket => seen.Enqueue((socket.Id, host.Handler.Connections.Contains(socket), socket.ReadyState)));

        var (handshake, _) = await host.ConnectPollingAsync();

        Assert.That(seen.Single(), Is.EqualTo((handshake.Sid, true, EngineIoReadyState.Open)));
    }
}
