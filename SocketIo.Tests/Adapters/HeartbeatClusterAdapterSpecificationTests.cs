using Microsoft.Extensions.Logging;
using NUnit.Framework;
using SocketIo.Server.Adapters;
using SocketIo.Tests.ExternalAdapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// <see cref="ClusterAdapterWithHeartbeat"/> against the adapter specification, three servers on the in-process bus,
/// each counting the cluster from the others' heartbeats (never from the bus), plus the heartbeat rules of
/// socket.io-adapter's <c>ClusterAdapterWithHeartbeat</c>: announce, answer, stay quiet while busy, drop the silent.
/// </summary>
[TestFixture]
public sealed class HeartbeatClusterAdapterSpecificationTests : AdapterSpecification
{
    private InProcessCluster _bus = new();
    private RecordingLoggerProvider _logs = new(LogLevel.Information);

    protected override int ServerCount => 3;

    [SetUp]
    public void NewBus()
    {
        _bus = new InProcessCluster();
        _logs = new RecordingLoggerProvider(LogLevel.Information);
    }

    [TearDown]
    public void DisposeLogs() => _logs.Dispose();

    protected override Func<IAdapterNamespace, SocketIoAdapter>? CreateAdapterFactory(int serverIndex) =>
        _bus.HeartbeatAdapterFactory(logger: _logs.CreateLogger("server" + serverIndex));

    private List<ClusterMessageType> TypesFrom(ClusterAdapter adapter) =>
        _bus.Published.Where(p => p.Uid == adapter.Uid).Select(p => p.Type).ToList();

    [Test]
    public async Task ANode_AnnouncesItself_AndEveryOtherNodeAnswersWithAHeartbeat()
    {
        await using var cluster = await StartAsync();
        await _bus.DrainAsync();
        var adapters = cluster.Hosts.Select(h => (ClusterAdapter)h.Io.Sockets.Adapter).ToList();

        Assert.That(TypesFrom(adapters[0]).First(), Is.EqualTo(ClusterMessageType.InitialHeartbeat));
        // The first node heard two announcements and answered each; the last heard none.
        Assert.That(TypesFrom(adapters[0]).Count(t => t == ClusterMessageType.Heartbeat), Is.EqualTo(2));
        Assert.That(TypesFrom(adapters[2]), Is.EqualTo(new[] { ClusterMessageType.InitialHeartbeat }));
    }

    [Test]
    public async Task AQuietNode_SendsAHeartbeatEveryInterval_AndABusyOneDoesNot()
    {
        await using var cluster = await StartAsync();
        await _bus.DrainAsync();
        var quiet = (ClusterAdapter)cluster.Hosts[2].Io.Sockets.Adapter;
        var busy = (ClusterAdapter)cluster.Hosts[1].Io.Sockets.Adapter;
        var interval = new ClusterAdapterWithHeartbeatOptions().HeartbeatInterval;
        var quietBefore = TypesFrom(quiet).Count(t => t == ClusterMessageType.Heartbeat);
        var busyBefore = TypesFrom(busy).Count(t => t == ClusterMessageType.Heartbeat);

        for (var i = 0; i < 4; i++)
        {
            // Each broadcast postpones the busy node's heartbeat by a whole interval.
            await cluster[1].EmitAsync("tick");
            cluster.Time.Advance(interval / 2);
            await _bus.DrainAsync();
        }

        Assert.That(TypesFrom(quiet).Count(t => t == ClusterMessageType.Heartbeat) - quietBefore, Is.EqualTo(2), "one heartbeat per interval of silence");
        Assert.That(TypesFrom(busy).Count(t => t == ClusterMessageType.Heartbeat) - busyBefore, Is.Zero);
    }

    [Test]
    public async Task ANodeThatFallsSilent_IsNoLongerCounted_AfterTheHeartbeatTimeout()
    {
        await using var cluster = await StartAsync();
        await _bus.DrainAsync();
        _bus.Mute(cluster.Hosts[2].Io.Sockets.Adapter);
        var options = new ClusterAdapterWithHeartbeatOptions();

        // Time moves a second at a time, so the live nodes' heartbeats are handled as they would be in real time.
        for (var elapsed = TimeSpan.Zero; elapsed <= options.HeartbeatTimeout + TimeSpan.FromSeconds(1); elapsed += TimeSpan.FromSeconds(1))
        {
            cluster.Time.Advance(TimeSpan.FromSeconds(1));
            await _bus.DrainAsync();
        }

        Assert.That(await cluster[0].Sockets.Adapter.ServerCountAsync(), Is.EqualTo(2));
        Assert.That(await cluster[1].Sockets.Adapter.ServerCountAsync(), Is.EqualTo(2));
        Assert.That(_logs.Entries.Any(e => e.Category == "server0" && e.EventId == 3005), Is.True, "the node that seems down is logged");
    }

    [Test]
    public async Task ANodeThatCloses_IsForgottenAtOnce_AndAPendingRequestStopsWaitingForIt()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(3);
        // The leaving node never sees the request, so only its goodbye can end the wait.
        _bus.Silence(cluster.Hosts[2].Io.Sockets.Adapter);

        var fetch = cluster[0].FetchSocketsAsync();
        await cluster.Hosts[2].Io.CloseAsync();

        var sockets = await fetch.Within("fetchSockets once the closed node is forgotten");
        Assert.That(sockets.Select(s => s.Id), Is.EquivalentTo(members.Take(2).Select(m => m.Id)));
        Assert.That(await cluster[0].Sockets.Adapter.ServerCountAsync(), Is.EqualTo(2));
    }

    [Test]
    public async Task ARequestToANodeThatNeverAnswers_TimesOutNamingTheMissingResponses()
    {
        await using var cluster = await StartAsync();
        await cluster.ConnectManyAsync(3);
        _bus.Silence(cluster.Hosts[2].Io.Sockets.Adapter);

        var fetch = cluster[0].FetchSocketsAsync();
        // Twice: the first drain lets server 1 handle the request (its answer lands in server 0's inbox while it does),
        // the second lets server 0 handle that answer. Only then may the timeout fire.
        await _bus.DrainAsync();
        await _bus.DrainAsync();
        cluster.Time.Advance(new ClusterAdapterOptions().RequestsTimeout);

        // cluster-adapter.ts ClusterAdapterWithHeartbeat: "timeout reached: missing N responses"
        var error = Assert.ThrowsAsync<SocketIo.Server.SocketIoTimeoutException>(() => fetch.Within("the request timeout"));
        Assert.That(error!.Message, Is.EqualTo("timeout reached: missing 1 responses"));
    }
}
