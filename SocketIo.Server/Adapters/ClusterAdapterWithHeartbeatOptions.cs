namespace SocketIo.Server.Adapters;

/// <summary>Settings of a heartbeat-based cluster adapter (Node: <c>ClusterAdapterOptions</c> of socket.io-adapter).</summary>
public class ClusterAdapterWithHeartbeatOptions : ClusterAdapterOptions
{
    /// <summary>How long a node stays quiet before it sends a heartbeat (Node: <c>heartbeatInterval</c>, 5000 ms).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(5000);

    /// <summary>How long a node may stay silent before the others count it as gone (Node: <c>heartbeatTimeout</c>, 10000 ms).</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromMilliseconds(10000);
}
