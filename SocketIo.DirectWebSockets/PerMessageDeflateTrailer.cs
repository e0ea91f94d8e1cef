namespace SocketIo.DirectWebSockets;

/// <summary>The end of a sync flush, which a sender removes from each message and a receiver appends (RFC 7692 §7.2.1–2).</summary>
internal static class PerMessageDeflateTrailer
{
    public static ReadOnlySpan<byte> Bytes => [0x00, 0x00, 0xFF, 0xFF];
}
