using NUnit.Framework;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// The <see cref="ClusterAdapter"/> protocol against the adapter specification, with three servers in one
/// process joined by <see cref="InProcessCluster"/>'s in-memory bus.
/// </summary>
[TestFixture]
public sealed class InProcessClusterAdapterSpecificationTests : AdapterSpecification
{
    private InProcessCluster _cluster = new();

    protected override int ServerCount => 3;

    [SetUp]
    public void NewCluster() => _cluster = new InProcessCluster();

    protected override Func<IAdapterNamespace, SocketIoAdapter>? CreateAdapterFactory(int serverIndex) => _cluster.AdapterFactory();

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
}
