namespace SocketIo.Server.Protocol;

/// <summary>
/// What a packet from a custom parser's decoder must be before the server acts on it: the same rules the built-in
/// decoders apply while decoding (socket.io-parser's <c>isPacketValid</c>), so a decoder written elsewhere cannot hand
/// the server a packet it would stumble on.
/// </summary>
internal static class DecodedPacketRules
{
    /// <summary>Why <paramref name="packet"/> cannot be used; null when it can.</summary>
    public static string? ProblemOf(SocketIoPacket packet)
    {
        if (packet.Namespace is null || !packet.Namespace.StartsWith('/'))
        {
            return "invalid namespace";
        }

        if (!Enum.IsDefined(packet.Type))
        {
            return "unknown packet type " + (int)packet.Type;
        }

        if (packet.Id < 0 || (packet.Id is null && packet.Type is SocketIoPacketType.Ack or SocketIoPacketType.BinaryAck))
        {
            return "invalid id";
        }

        return packet.Data is null || SocketIoPacketDecoder.IsPayloadValid(packet.Type, packet.Data) ? null : "invalid payload";
    }
}
