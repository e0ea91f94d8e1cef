namespace SocketIo.Server.Adapters;

/// <summary>Broadcast modifiers (Node: <c>BroadcastFlags</c>).</summary>
/// <param name="Volatile">Drop the packet for clients whose transport is not writable right now.</param>
/// <param name="Compress">Whether the transport may compress; null means yes.</param>
/// <param name="Local">Deliver to this node only, not to the rest of the cluster.</param>
/// <param name="Timeout">Ack timeout for <c>emitWithAck</c>.</param>
/// <param name="ExpectSingleResponse">A remote socket's emit with ack resolves with one response, not a list.</param>
public sealed record BroadcastFlags(
    bool Volatile = false,
    bool? Compress = null,
    bool Local = false,
    TimeSpan? Timeout = null,
    bool ExpectSingleResponse = false)
{
    /// <summary>No flags.</summary>
    public static readonly BroadcastFlags None = new();
}
