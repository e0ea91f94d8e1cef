using System.Diagnostics.Metrics;

namespace SocketIo.Server.Adapters;

/// <summary>Cluster adapter instruments on the <c>SocketIoNet</c> meter, tagged with the adapter type (e.g. RedisAdapter).</summary>
internal sealed class ClusterAdapterMetrics
{
    private readonly Counter<long> _published;
    private readonly Counter<long> _publishFailures;
    private readonly Counter<long> _received;
    private readonly Counter<long> _requestTimeouts;
    private readonly KeyValuePair<string, object?> _tag;

    public ClusterAdapterMetrics(IMeterFactory? meterFactory, string adapter)
    {
        var meter = Diagnostics.SocketIoMeter.For(meterFactory);
        _published = meter.CreateCounter<long>("socketio.cluster.messages.published", "{message}", "Cluster messages published (broadcasts, requests, responses)");
        _publishFailures = meter.CreateCounter<long>("socketio.cluster.messages.publish_failures", "{message}", "Cluster messages that could not be published (the cluster transport was unreachable)");
        _received = meter.CreateCounter<long>("socketio.cluster.messages.received", "{message}", "Cluster messages received from other nodes");
        _requestTimeouts = meter.CreateCounter<long>("socketio.cluster.request.timeouts", "{request}", "Cluster requests (fetchSockets, serverSideEmit acks) that timed out");
        _tag = new KeyValuePair<string, object?>("adapter", adapter);
    }

    public void Published() => _published.Add(1, _tag);

    public void PublishFailed() => _publishFailures.Add(1, _tag);

    public void Received() => _received.Add(1, _tag);

    public void RequestTimedOut() => _requestTimeouts.Add(1, _tag);
}
