namespace SocketIo.Server.Adapters;

/// <summary>Settings shared by every cluster adapter.</summary>
public class ClusterAdapterOptions
{
    /// <summary>
    /// How long fetchSockets and serverSideEmit-with-ack wait for the other servers (Node: redis-adapter
    /// <c>requestsTimeout</c>, socket.io-adapter's 5000 ms default).
    /// </summary>
    public TimeSpan RequestsTimeout { get; set; } = TimeSpan.FromMilliseconds(5000);
}
