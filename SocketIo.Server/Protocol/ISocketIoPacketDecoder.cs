namespace SocketIo.Server.Protocol;

/// <summary>
/// One connection's packet decoder (socket.io-parser's <c>Decoder</c>: <c>add</c>, <c>destroy</c>), made by
/// <see cref="SocketIoParser.CreateDecoder"/>: fed every Engine.IO message of its connection in order, it returns each
/// packet once complete. It may keep state between messages (the default one reassembles binary attachments), so
/// there is one per connection; calls for one connection never overlap.
/// </summary>
/// <remarks>
/// Input comes from clients: throw <see cref="SocketIoProtocolException"/> for what cannot be decoded. Any exception
/// closes only that connection, with a log line, and a packet the server cannot use (no namespace, an event without
/// a name, an ack without an id) is treated the same way, as Node's decoder treats an invalid packet.
/// </remarks>
public interface ISocketIoPacketDecoder
{
    /// <summary>Adds one text message (UTF-8, valid only during the call); returns the packet, or null when more messages must follow.</summary>
    SocketIoPacket? AddText(ReadOnlySpan<byte> utf8);

    /// <summary>Adds one binary message (valid only during the call: copy what is kept); returns the packet, or null when more messages must follow.</summary>
    SocketIoPacket? AddBinary(ReadOnlyMemory<byte> data);

    /// <summary>Drops any half-received packet (Node: <c>decoder.destroy()</c>); called when the connection closes.</summary>
    void Reset();
}
