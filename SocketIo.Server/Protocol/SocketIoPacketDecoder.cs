using System.Text;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol;

/// <summary>
/// Socket.IO v5 decoder for one connection (socket.io-parser 4.2.7 <c>Decoder</c>): parses the text header by
/// hand, hands the rest to the JSON reader, and reassembles binary packets from the attachments that follow.
/// Every failure is a <see cref="SocketIoProtocolException"/> with the reference's message.
/// </summary>
internal sealed class SocketIoPacketDecoder : ISocketIoPacketDecoder
{
    /// <summary>The reference decoder's attachment limit (npm socket.io-parser 4.2.7 <c>maxAttachments</c>, CVE-2026-33151).</summary>
    public const int DefaultMaxAttachments = 10;

    private readonly int _maxAttachments;

    /// <summary>Creates a decoder that refuses packets announcing more than <paramref name="maxAttachments"/> binary attachments.</summary>
    public SocketIoPacketDecoder(int maxAttachments = DefaultMaxAttachments)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttachments, 1);
        _maxAttachments = maxAttachments;
    }

    private static readonly string[] ReservedEvents =
        ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

    private SocketIoPacket? _pending;
    private int _pendingCount;
    private List<byte[]>? _buffers;

    /// <summary>Whether the decoder waits for binary attachments.</summary>
    public bool IsReconstructing => _pending is not null;

    /// <summary>Adds one text message; returns the packet, or null when attachments must follow.</summary>
    public SocketIoPacket? AddText(ReadOnlySpan<byte> utf8)
    {
        if (_pending is not null)
        {
            throw new SocketIoProtocolException("got plaintext data when reconstructing a packet");
        }

        var packet = DecodeString(utf8, _maxAttachments, out var attachments);
        if (attachments == 0)
        {
            return packet;
        }

        _pending = packet;
        _pendingCount = attachments;
        _buffers = new List<byte[]>(attachments);
        return null;
    }

    /// <summary>Adds one binary message; returns the reassembled packet when it was the last attachment.</summary>
    public SocketIoPacket? AddBinary(byte[] data)
    {
        if (_pending is null || _buffers is null)
        {
            throw new SocketIoProtocolException("got binary data when not reconstructing a packet");
        }

        _buffers.Add(data);
        if (_buffers.Count < _pendingCount)
        {
            return null;
        }

        var packet = _pending;
        var buffers = _buffers;
        Reset();
        var data2 = packet.Data is null ? null : Reconstruct(packet.Data, buffers);
        return packet with { Data = data2 };
    }

    /// <inheritdoc/>
    SocketIoPacket? ISocketIoPacketDecoder.AddBinary(ReadOnlyMemory<byte> data) => AddBinary(data.ToArray());

    /// <summary>Drops a half-received binary packet (Node: <c>decoder.destroy()</c>).</summary>
    public void Reset()
    {
        _pending = null;
        _buffers = null;
        _pendingCount = 0;
    }

    private static SocketIoPacket DecodeString(ReadOnlySpan<byte> str, int maxAttachments, out int attachments)
    {
        attachments = 0;
        // Number("") is 0 in JS, so an empty message decodes as a CONNECT to "/" there too.
        var typeValue = str.IsEmpty ? 0 : str[0] - '0';
        if (typeValue is < 0 or > 6)
        {
            // Fix: the reference reports Number(str.charAt(0)), so a non-digit type reads "unknown packet type NaN".
            throw new SocketIoProtocolException("unknown packet type " + (IsDigit(str[0]) ? ((char)str[0]).ToString() : "NaN"));
        }

        var type = (SocketIoPacketType)typeValue;
        var i = 0;
        if (type is SocketIoPacketType.BinaryEvent or SocketIoPacketType.BinaryAck)
        {
            var start = i + 1;
            while (++i < str.Length && str[i] != (byte)'-')
            {
            }

            if (i >= str.Length || !TryParseCount(str[start..i], out var n) || n < 1)
            {
                throw new SocketIoProtocolException("Illegal attachments");
            }

            if (n > maxAttachments)
            {
                throw new SocketIoProtocolException("too many attachments");
            }

            attachments = n;
        }

        var nsp = "/";
        if (i + 1 < str.Length && str[i + 1] == (byte)'/')
        {
            // The namespace runs to the first ',' or to the end ("40/custom" is valid).
            var start = i + 1;
            while (++i < str.Length && str[i] != (byte)',')
            {
            }

            nsp = Encoding.UTF8.GetString(str[start..i]);
        }

        long? id = null;
        if (i + 1 < str.Length && IsDigit(str[i + 1]))
        {
            var start = i + 1;
            while (i + 1 < str.Length && IsDigit(str[i + 1]))
            {
                i++;
            }

            var digits = str[start..(i + 1)];
            id = digits.Length <= 18 ? ParseLong(digits) : (long)double.Parse(Encoding.ASCII.GetString(digits), System.Globalization.CultureInfo.InvariantCulture);
        }

        JToken? data = null;
        if (++i < str.Length)
        {
            if (!JsonTokenReader.TryParse(str[i..], out data) || !IsPayloadValid(type, data))
            {
                throw new SocketIoProtocolException("invalid payload");
            }
        }

        return new SocketIoPacket(type, nsp, data, id);
    }

    internal static bool IsPayloadValid(SocketIoPacketType type, JToken? payload) => type switch
    {
        SocketIoPacketType.Connect => payload is JObject,
        SocketIoPacketType.Disconnect => false, // any payload is invalid: "41{}" closes (observed)
        SocketIoPacketType.ConnectError => payload is JObject || payload?.Type == JTokenType.String,
        SocketIoPacketType.Event or SocketIoPacketType.BinaryEvent => payload is JArray { Count: > 0 } array && IsValidEventName(array[0]),
        SocketIoPacketType.Ack or SocketIoPacketType.BinaryAck => payload is JArray,
        _ => false,
    };

    /// <summary>An event name a client may send: a number, or a string that is not a reserved event (socket.io-parser <c>isPayloadValid</c>).</summary>
    internal static bool IsValidEventName(JToken name) =>
        name.Type is JTokenType.Integer or JTokenType.Float
        || (name.Type == JTokenType.String && Array.IndexOf(ReservedEvents, (string)name!) < 0);

    private static JToken Reconstruct(JToken token, List<byte[]> buffers)
    {
        switch (token)
        {
            case JObject obj when obj.TryGetValue("_placeholder", out var flag) && flag.Type == JTokenType.Boolean && (bool)flag!:
                var num = obj["num"];
                if (num is null || num.Type is not (JTokenType.Integer or JTokenType.Float))
                {
                    throw new SocketIoProtocolException("illegal attachments");
                }

                var index = (double)num;
                if (index < 0 || index >= buffers.Count || index != Math.Floor(index))
                {
                    throw new SocketIoProtocolException("illegal attachments");
                }

                return new JValue(buffers[(int)index]);
            case JArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Reconstruct(array[i], buffers);
                }

                return array;
            case JObject obj:
                foreach (var property in obj.Properties().ToList())
                {
                    property.Value = Reconstruct(property.Value, buffers);
                }

                return obj;
            default:
                return token;
        }
    }

    private static bool TryParseCount(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 9)
        {
            return false;
        }

        foreach (var d in digits)
        {
            if (!IsDigit(d))
            {
                return false;
            }

            value = (value * 10) + (d - '0');
        }

        return true;
    }

    private static long ParseLong(ReadOnlySpan<byte> digits)
    {
        long value = 0;
        foreach (var d in digits)
        {
            value = (value * 10) + (d - '0');
        }

        return value;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
