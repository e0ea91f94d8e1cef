namespace SocketIo.Server.Adapters;

/// <summary>Settings shared by every cluster adapter.</summary>
public class ClusterAdapterOptions
{
    /// <summary>
    /// How long fetchSockets and serverSideEmit-with-ack wait for the other servers (Node: redis-adapter
    /// <c>requestsTimeout</c>, socket.io-adapter's 5000 ms default).
    /// </summary>
    public TimeSpan RequestsTimeout { get; set; } = TimeSpan.FromMilliseconds(5000);

    /// <summary>Where the adapter's metrics go (the host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>); null uses a private meter.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }
}
