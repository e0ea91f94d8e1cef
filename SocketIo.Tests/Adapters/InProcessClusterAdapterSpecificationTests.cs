using Microsoft.Extensions.Logging;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Adapters;
using SocketIo.Tests.ExternalAdapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// The <see cref="ClusterAdapter"/> protocol against the adapter specification, with three servers in one
/// process joined by <see cref="InProcessCluster"/>'s in-memory bus.
/// </summary>
[TestFixture]
public sealed class InProcessClusterAdapterSpecificationTests : AdapterSpecification
{
    private static readonly int[] OutageStart = [3001];
    private static readonly int[] WholeOutage = [3001, 3003, 3004];
    private InProcessCluster _cluster = new();
    private RecordingLoggerProvider _logs = new(LogLevel.Information);

    protected override int ServerCount => 3;

    [SetUp]
    public void NewCluster()
    {
        _cluster = new InProcessCluster();
        _logs = new RecordingLoggerProvider(LogLevel.Information);
    }

    protected override Func<IAdapterNamespace, SocketIoAdapter>? CreateAdapterFactory(int serverIndex) =>
        _cluster.AdapterFactory(_logs.CreateLogger("server" + serverIndex));

    [TearDown]
    public void DisposeLogs() => _logs.Dispose();

    private List<LogEntry> ClusterLog(int server) => _logs.Entries.Where(e => e.Category == "server" + server).ToList();

    [Test]
    public async Task EveryServer_HasItsOwnClusterAdapter_WithItsOwnUid()
    {
        await using var cluster = await StartAsync();

        var adapters = cluster.Hosts.Select(h => h.Io.Sockets.Adapter).ToList();
        Assert.That(adapters, Is.All.InstanceOf<ClusterAdapter>());
        Assert.That(adapters.Cast<ClusterAdapter>().Select(a => a.Uid), Is.Unique);
    }

    [Test]
    public async Task AServerThatCloses_LeavesTheCluster_AndRequestsStopWaitingForIt()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(3);

        await cluster.Hosts[2].Io.CloseAsync();

        Assert.That(await cluster[0].Sockets.Adapter.ServerCountAsync(), Is.EqualTo(2));
        var sockets = await cluster[0].FetchSocketsAsync().Within("fetchSockets over the two servers left");
        Assert.That(sockets.Select(s => s.Id), Is.EquivalentTo(members.Take(2).Select(m => m.Id)));
    }

    [Test]
    public async Task FetchSockets_WhenAServerNeverAnswers_TimesOutAfterTheRequestsTimeout()
    {
        await using var cluster = await StartAsync();
        await cluster.ConnectManyAsync(3);
        // Servers that are counted but never answer (crashed nodes whose subscriptions linger).
        _cluster.Silence(cluster.Hosts[1].Io.Sockets.Adapter);
        _cluster.Silence(cluster.Hosts[2].Io.Sockets.Adapter);

        var fetch = cluster[0].FetchSocketsAsync();
        var timeout = new ClusterAdapterOptions().RequestsTimeout;
        cluster.Time.Advance(timeout - TimeSpan.FromMilliseconds(1));
        Assert.That(fetch.IsCompleted, Is.False);
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1));

        // cluster-adapter.ts: "timeout reached: only X responses received out of Y"
        var error = Assert.ThrowsAsync<SocketIo.Server.SocketIoTimeoutException>(() => fetch.Within("the request timeout"));
        Assert.That(error!.Message, Is.EqualTo("timeout reached: only 0 responses received out of 2"));
    }

    [Test]
    public async Task Broadcasts_NeverWaitForTheirPublish_AndKeepTheirOrderWhenPublishesCompleteInReverse()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);
        _cluster.HoldPublishCompletions();

        var emits = Enumerable.Range(0, 5).Select(i => cluster[0].EmitAsync("n", i).AsTask()).ToList();
        var joined = cluster[0].In(members[0].Id).SocketsJoinAsync("joined").AsTask();

        Assert.That(emits.Append(joined).Select(t => t.IsCompleted), Is.All.True, "local delivery does not wait for the publishes");
        Assert.That(members[0].Socket.Rooms, Does.Contain("joined"));
        _cluster.ReleasePublishCompletions();
        var expected = Enumerable.Range(0, 5).Select(i => $"2[\"n\",{i}]").ToList();
        foreach (var member in members)
        {
            Assert.That(await member.Client.ReceiveTextsAsync(5), Is.EqualTo(expected), $"the client on server {member.Server}");
        }
    }

    [Test]
    public async Task DuringAnOutage_LocalDeliveryContinues_RequestsFailClearly_AndTheLogIsBounded()
    {
        await using var cluster = await StartAsync();
        var local = await cluster.ConnectAsync(0);
        var remote = await cluster.ConnectAsync(1);
        _cluster.PublishesFail = true;
        _cluster.CountFails = true;

        for (var i = 0; i < 100; i++)
        {
            await cluster[0].EmitAsync("down", i);
        }

        Assert.That(await local.Client.ReceiveTextsAsync(100), Is.EqualTo(Enumerable.Range(0, 100).Select(i => $"2[\"down\",{i}]")));
        var outage = ClusterLog(0);
        Assert.That(outage.Select(e => e.EventId), Is.EqualTo(OutageStart), "the outage is logged once");
        Assert.That(outage[0].Exception, Is.InstanceOf<SocketIoClusterUnavailableException>());

        cluster.Time.Advance(TimeSpan.FromSeconds(10));
        await cluster[0].EmitAsync("down", 100);
        Assert.That(await local.Client.ReceiveTextAsync(), Is.EqualTo("""2["down",100]"""));
        var summary = ClusterLog(0).Skip(1).Single();
        Assert.That(summary.EventId, Is.EqualTo(3003));
        Assert.That(summary.Message, Does.Contain("100 more lost").And.Contain("outage for 10 s"));
        Assert.That(summary.Exception, Is.Null, "no stack trace after the first line");

        // Requests say that the cluster is unreachable rather than answer with this server's part.
        Assert.ThrowsAsync<SocketIoClusterUnavailableException>(() => cluster[0].FetchSocketsAsync().Within("fetchSockets"));
        Assert.ThrowsAsync<SocketIoClusterUnavailableException>(() => cluster[0].ServerSideEmitWithAckAsync("who").Within("serverSideEmitWithAck"));
        Assert.ThrowsAsync<SocketIoClusterUnavailableException>(() => cluster[0].Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("q").Within("emitWithAck"));
        Assert.That(await local.Client.ReceiveTextAsync(), Does.Match("""^2\d+\["q"\]$"""), "the local client still got the question");
        Assert.That((await cluster[0].Local.FetchSocketsAsync()).Select(s => s.Id), Is.EqualTo(new[] { local.Id }), "local requests need no cluster");

        // Counted but unpublishable: the request fails at once instead of at the requests timeout.
        _cluster.CountFails = false;
        var error = Assert.ThrowsAsync<SocketIoClusterUnavailableException>(() => cluster[0].FetchSocketsAsync().Within("fetchSockets"));
        Assert.That(error!.InnerException, Is.InstanceOf<SocketIoClusterUnavailableException>());

        _cluster.PublishesFail = false;
        await cluster[0].EmitAsync("back");
        Assert.That(await remote.Client.ReceiveTextAsync(), Is.EqualTo("""2["back"]"""));
        Assert.That(ClusterLog(0).Select(e => e.EventId), Is.EqualTo(WholeOutage), "one line when it works again");
        Assert.That(ClusterLog(0)[^1].Message, Does.Contain("works again"));
    }
}
