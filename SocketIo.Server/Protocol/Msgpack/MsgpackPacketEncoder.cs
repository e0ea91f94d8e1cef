using System.Buffers;
using MessagePack;

namespace SocketIo.Server.Protocol.Msgpack;

/// <summary>
/// The encoder of npm <c>socket.io-msgpack-parser</c> 3.0.2 (<c>Encoder.encode</c>: <c>[notepack.encode(packet)]</c>):
/// one binary message, the packet as a msgpack map written by notepack.io 2.2.0's rules. Bytes stay bin values
/// inside <c>data</c>: there are no attachments, and BINARY_EVENT/BINARY_ACK are written as EVENT/ACK.
/// </summary>
/// <remarks>
/// The map's members come in the order socket.io 4.8.4 builds each packet, so the bytes are Node's:
/// <c>socket.emit</c> {type, data, id?, nsp}; <c>socket.ack</c> {id, type, data, nsp}; CONNECT {type, data, nsp}
/// (its <c>pid</c> is <c>undefined</c>, <c>d4 00 00</c>, without recovery); CONNECT_ERROR {type, data, nsp};
/// DISCONNECT {type, nsp}. Node's broadcast with ack puts <c>id</c> after <c>nsp</c> and its "Invalid namespace"
/// refusal <c>nsp</c> before <c>data</c>; decoders read members by name, so those two differ in order only.
/// </remarks>
internal static class MsgpackPacketEncoder
{
    public static ReadOnlyMemory<byte> Encode(SocketIoPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var type = packet.Type switch
        {
            SocketIoPacketType.BinaryEvent => SocketIoPacketType.Event,
            SocketIoPacketType.BinaryAck => SocketIoPacketType.Ack,
            _ => packet.Type,
        };
        var nsp = string.IsNullOrEmpty(packet.Namespace) ? "/" : packet.Namespace;
        var data = packet.Data;
        var id = type is SocketIoPacketType.Event or SocketIoPacketType.Ack ? packet.Id : null;

        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(2 + (data is null ? 0 : 1) + (id is null ? 0 : 1));
        if (type == SocketIoPacketType.Ack && id is { } ackId)
        {
            WriteMember(ref writer, "id", ackId);
        }

        WriteMember(ref writer, "type", (long)type);
        if (data is not null)
        {
            writer.Write("data");
            NotepackWriter.WriteLegacyValue(ref writer, data);
        }

        if (type == SocketIoPacketType.Event && id is { } eventId)
        {
            WriteMember(ref writer, "id", eventId);
        }

        writer.Write("nsp");
        writer.Write(nsp);
        writer.Flush();
        return buffer.WrittenMemory;
    }

    private static void WriteMember(ref MessagePackWriter writer, string key, long value)
    {
        writer.Write(key);
        writer.Write(value); // smallest form, the unsigned family for ≥ 0, as notepack writes a JS integer
    }
}
