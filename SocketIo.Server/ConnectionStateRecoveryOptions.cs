namespace SocketIo.Server;

/// <summary>Connection state recovery settings (Node: <c>connectionStateRecovery</c>; its defaults).</summary>
public sealed class ConnectionStateRecoveryOptions
{
    /// <summary>How long a disconnected session is kept (Node: <c>maxDisconnectionDuration</c>, 2 minutes).</summary>
    public TimeSpan MaxDisconnectionDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A recovered socket skips the namespace's connection middlewares (Node: <c>skipMiddlewares</c>, true).</summary>
    public bool SkipMiddlewares { get; set; } = true;

    /// <summary>
    /// The most packets the in-memory store keeps per namespace for replay (Node keeps every packet of the window,
    /// without a bound). A client whose offset has fallen out of the store gets a fresh socket, never a partial replay.
    /// </summary>
    public int MaxStoredPackets { get; set; } = 100_000;
}
