using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.ExternalAdapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>The cluster adapter's instruments on the <c>SocketIoNet</c> meter: messages published and received, request timeouts.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ClusterMetricsTests
{
    [Test]
    public async Task Published_received_and_timed_out_requests_are_counted()
    {
        var cluster = new InProcessCluster();
        var time = new FakeTimeProvider();
        await using var a = await SioTestHost.StartAsync(o => o.AdapterFactory = cluster.AdapterFactory(), time);
        await using var b = await SioTestHost.StartAsync(o => o.AdapterFactory = cluster.AdapterFactory(), time);
        using var published = new MetricCollector<long>(null, "SocketIoNet", "socketio.cluster.messages.published");
        using var received = new MetricCollector<long>(null, "SocketIoNet", "socketio.cluster.messages.received");
        using var timeouts = new MetricCollector<long>(null, "SocketIoNet", "socketio.cluster.request.timeouts");

        // Adapters join the bus in InitAsync, which the server starts without waiting.
        await Signals.UntilAsync(() => cluster.MemberCount("/") == 2, "both adapters on the bus");
        await a.Io.EmitAsync("hello", 1);
        // The bus delivers to B on its own task.
        await received.WaitForMeasurementsAsync(1, Signals.DefaultTimeout);
        Assert.Multiple(() =>
        {
            Assert.That(published.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(1), "one broadcast published by A");
            Assert.That(received.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(1), "received by B");
            Assert.That(published.GetMeasurementSnapshot().Single().Tags["adapter"], Is.EqualTo("Member"), "tagged with the adapter type");
        });

        cluster.Silence(b.Io.Sockets.Adapter);
        var fetch = a.Io.FetchSocketsAsync();
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.ThrowsAsync<SocketIoTimeoutException>(async () => await fetch.WaitAsync(Signals.DefaultTimeout));
        Assert.That(timeouts.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(1));
    }
}
