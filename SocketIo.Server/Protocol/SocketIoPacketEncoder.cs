using System.Buffers;
using System.Globalization;
using System.Text;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol;

/// <summary>
/// Socket.IO v5 encoder (SP "Packet encoding"; socket.io-parser <c>Encoder</c>): type digit, attachment count and
/// <c>-</c> for binary packets, namespace and <c>,</c> unless it is <c>/</c>, ack id, then the compact JSON.
/// Byte arrays found at any depth become <c>{"_placeholder":true,"num":N}</c> in traversal order.
/// </summary>
internal static class SocketIoPacketEncoder
{
    private static readonly IReadOnlyList<ReadOnlyMemory<byte>> NoAttachments = Array.Empty<ReadOnlyMemory<byte>>();

    /// <summary>Encodes a packet; EVENT/ACK carrying bytes become BINARY_EVENT/BINARY_ACK.</summary>
    public static EncodedSocketIoPacket Encode(SocketIoPacket packet) => Encode(packet, enginePrefix: false);

    /// <summary>
    /// Encodes a packet; with <paramref name="enginePrefix"/> the text starts with the Engine.IO message digit
    /// <c>4</c>, ready to be one WebSocket frame.
    /// </summary>
    public static EncodedSocketIoPacket Encode(SocketIoPacket packet, bool enginePrefix)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var type = packet.Type;
        var data = packet.Data;
        List<ReadOnlyMemory<byte>>? attachments = null;
        if (data is not null && type is SocketIoPacketType.Event or SocketIoPacketType.Ack or SocketIoPacketType.BinaryEvent or SocketIoPacketType.BinaryAck
            && HasBinary(data))
        {
            attachments = new List<ReadOnlyMemory<byte>>();
            data = Deconstruct(data, attachments);
            type = type is SocketIoPacketType.Event or SocketIoPacketType.BinaryEvent ? SocketIoPacketType.BinaryEvent : SocketIoPacketType.BinaryAck;
        }
        else if (type == SocketIoPacketType.BinaryEvent)
        {
            type = SocketIoPacketType.Event;
        }
        else if (type == SocketIoPacketType.BinaryAck)
        {
            type = SocketIoPacketType.Ack;
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        if (enginePrefix)
        {
            WriteAscii(buffer, "4");
        }

        WriteAscii(buffer, ((int)type).ToString(CultureInfo.InvariantCulture));
        if (attachments is not null)
        {
            WriteAscii(buffer, attachments.Count.ToString(CultureInfo.InvariantCulture));
            WriteAscii(buffer, "-");
        }

        if (!string.IsNullOrEmpty(packet.Namespace) && packet.Namespace != "/")
        {
            var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(packet.Namespace.Length) + 1);
            var n = Encoding.UTF8.GetBytes(packet.Namespace, span);
            span[n] = (byte)',';
            buffer.Advance(n + 1);
        }

        if (packet.Id is { } id)
        {
            WriteAscii(buffer, id.ToString(CultureInfo.InvariantCulture));
        }

        if (data is not null)
        {
            JsJsonWriter.Write(buffer, data);
        }

        return new EncodedSocketIoPacket(buffer.WrittenMemory, (IReadOnlyList<ReadOnlyMemory<byte>>?)attachments ?? NoAttachments);
    }

    /// <summary>Whether a token holds bytes at any depth (socket.io-parser <c>hasBinary</c>).</summary>
    public static bool HasBinary(JToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        switch (token.Type)
        {
            case JTokenType.Bytes:
                return true;
            case JTokenType.Array:
                foreach (var item in (JArray)token)
                {
                    if (HasBinary(item))
                    {
                        return true;
                    }
                }

                return false;
            case JTokenType.Object:
                foreach (var property in ((JObject)token).Properties())
                {
                    if (HasBinary(property.Value))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static JToken Deconstruct(JToken token, List<ReadOnlyMemory<byte>> attachments)
    {
        switch (token.Type)
        {
            case JTokenType.Bytes:
                var placeholder = new JObject { ["_placeholder"] = true, ["num"] = attachments.Count };
                attachments.Add((byte[])((JValue)token).Value!);
                return placeholder;
            case JTokenType.Array:
                var array = new JArray();
                foreach (var item in (JArray)token)
                {
                    array.Add(Deconstruct(item, attachments));
                }

                return array;
            case JTokenType.Object:
                var obj = new JObject();
                foreach (var property in ((JObject)token).Properties())
                {
                    obj.Add(property.Name, Deconstruct(property.Value, attachments));
                }

                return obj;
            default:
                return token;
        }
    }

    private static void WriteAscii(ArrayBufferWriter<byte> buffer, string text)
    {
        var span = buffer.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        buffer.Advance(text.Length);
    }
}
