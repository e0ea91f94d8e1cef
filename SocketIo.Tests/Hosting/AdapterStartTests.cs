using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Adapters;
using SocketIo.Server.Hosting;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Hosting;

/// <summary>The host is up only once the main namespace's adapter is: a cluster counts the server before it serves.</summary>
[TestFixture]
public sealed class AdapterStartTests
{
    /// <summary>An in-memory adapter whose start waits for the test (a Redis SUBSCRIBE on its way).</summary>
    private sealed class GatedAdapter(IAdapterNamespace nsp, Task gate) : InMemoryAdapter(nsp)
    {
        public override Task InitAsync(CancellationToken cancellationToken = default) => Namespace.Name == "/" ? gate : Task.CompletedTask;
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }

    [Test]
    public async Task TheHost_StartsAfterTheMainNamespacesAdapter()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var time = new FakeTimeProvider();
        await using var io = new SocketIoServer(new SocketIoOptions { TimeProvider = time, AdapterFactory = port => new GatedAdapter(port, gate.Task) });
        var service = new SocketIoLifetimeService(io, new Lifetime());

        var start = service.StartAsync(CancellationToken.None);
        Assert.That(start.IsCompleted, Is.False, "the host waits for the adapter");

        gate.SetResult();
        await start.WithTimeout("the start once the adapter has started");
    }

    [Test]
    public async Task AnAdapterThatNeverStarts_DelaysTheHostByTheBoundedWaitOnly()
    {
        var time = new FakeTimeProvider();
        await using var io = new SocketIoServer(new SocketIoOptions { TimeProvider = time, AdapterFactory = port => new GatedAdapter(port, new TaskCompletionSource().Task) });
        var service = new SocketIoLifetimeService(io, new Lifetime());

        var start = service.StartAsync(CancellationToken.None);
        time.Advance(SocketIoLifetimeService.AdapterStartWait - TimeSpan.FromTicks(1));
        Assert.That(start.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromTicks(1));

        await start.WithTimeout("the start after the bounded wait");
    }
}
