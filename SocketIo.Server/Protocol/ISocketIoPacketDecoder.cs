namespace SocketIo.Server.Protocol;

/// <summary>
/// One connection's packet decoder (socket.io-parser's <c>Decoder</c> interface: <c>add</c>, <c>destroy</c>): fed
/// every Engine.IO message in order, it returns each packet once complete. Stateful (the JSON decoder reassembles
/// binary attachments), so there is one per connection. Every failure is a <see cref="SocketIoProtocolException"/>.
/// </summary>
internal interface ISocketIoPacketDecoder
{
    /// <summary>Adds one text message; returns the packet, or null when more messages must follow.</summary>
    SocketIoPacket? AddText(ReadOnlySpan<byte> utf8);

    /// <summary>Adds one binary message; returns the packet, or null when more messages must follow.</summary>
    SocketIoPacket? AddBinary(ReadOnlyMemory<byte> data);

    /// <summary>Drops any half-received packet (Node: <c>decoder.destroy()</c>).</summary>
    void Reset();
}
