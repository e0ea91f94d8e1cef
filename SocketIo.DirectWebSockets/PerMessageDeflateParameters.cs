namespace SocketIo.DirectWebSockets;

/// <summary>
/// What a permessage-deflate negotiation agreed on (RFC 7692 §7.1): whether each end resets its compression context
/// after every message, and the <c>Sec-WebSocket-Extensions</c> value that tells the client so. Both ends use a
/// window of 2^15 bytes, the only one .NET's zlib streams offer (a smaller client window is inflated with it too).
/// </summary>
/// <param name="ServerNoContextTakeover">The server deflates every message with a fresh context.</param>
/// <param name="ClientNoContextTakeover">The client deflates every message with a fresh context.</param>
/// <param name="ResponseHeader">The extension as the 101 answers it, as ws formats it.</param>
internal sealed record PerMessageDeflateParameters(bool ServerNoContextTakeover, bool ClientNoContextTakeover, string ResponseHeader)
{
    /// <summary>The server's zlib level and strategy (<c>PerMessageDeflateLevel</c>, <c>…Strategy</c>); null: zlib's default.</summary>
    public System.IO.Compression.ZLibCompressionOptions? Compression { get; init; }
}
