using System.Buffers.Text;
using System.Text;

namespace SocketIo.Server.EngineIo.V3;

/// <summary>
/// Engine.IO protocol v3 encoding (socket.io 2.x clients; engine.io's <c>parser-v3</c>, imported from
/// engine.io-parser 2.2.x): single packets as WebSocket frames, and polling payloads, either text
/// (<c>&lt;length&gt;:&lt;packet&gt;</c> with the length in UTF-16 code units, binary as <c>b4&lt;base64&gt;</c>) or,
/// for a client that takes binary, the binary payload format. Pure functions; no I/O.
/// </summary>
/// <remarks>
/// Decoders return the packets in order with <c>null</c> last for a parse error (as <see cref="EnginePacketCodec"/>):
/// the session then closes with "parse error", which is what parser-v3's error packet does in engine.io socket.ts.
/// Where parser-v3 is looser than any client (lengths like <c>0x5</c>, truncated binary records), these decoders
/// refuse; where it is lenient in a way clients rely on (base64), they are lenient the same way.
/// </remarks>
internal static class EngineV3Codec
{
    /// <summary>
    /// The binary payload's markers (parser-v3 <c>encodePayloadAsBinary</c>): each record starts with 0 (string) or
    /// 1 (binary), then the decimal digits of its length as bytes 0–9, then 255.
    /// </summary>
    private const byte StringRecord = 0;
    private const byte BinaryRecord = 1;
    private const byte LengthEnd = 255;

    /// <summary>Decimal digits allowed in a length: more than any body under a sane <c>maxHttpBufferSize</c>.</summary>
    private const int MaxLengthDigits = 10;

    /// <summary>
    /// Decodes one packet from its text form (a WebSocket text frame, or one record of a payload): a type digit and
    /// data, or <c>b</c> + type digit + base64 for binary (parser-v3 <c>decodePacket</c>). Null for a parse error.
    /// </summary>
    public static EnginePacket? DecodeText(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return null;
        }

        if (utf8[0] == (byte)'b')
        {
            return DecodeBase64(utf8[1..]);
        }

        var type = utf8[0] - (byte)'0';
        if (type is < 0 or > 6)
        {
            return null;
        }

        return EnginePacket.Text((EnginePacketType)type, utf8[1..].ToArray());
    }

    /// <summary>
    /// Decodes a binary WebSocket frame: the first byte is the packet type, the rest the data (parser-v3
    /// <c>decodePacket</c> on a Buffer). A frame with an unknown type becomes a noop, which the session ignores: in
    /// engine.io such a packet has no type and matches nothing.
    /// </summary>
    public static EnginePacket DecodeBinaryFrame(ReadOnlySpan<byte> frame)
    {
        if (frame.IsEmpty || frame[0] > 6)
        {
            return EnginePacket.Noop;
        }

        return WithData((EnginePacketType)frame[0], frame[1..].ToArray());
    }

    /// <summary>Encodes a binary message as a WebSocket binary frame: type byte 4, then the data.</summary>
    public static byte[] EncodeBinaryFrame(EnginePacket packet)
    {
        var frame = new byte[packet.Data.Length + 1];
        frame[0] = (byte)EnginePacketType.Message;
        packet.Data.Span.CopyTo(frame.AsSpan(1));
        return frame;
    }

    /// <summary>Encodes a binary message for a client that cannot take binary: <c>b4</c> + base64, as text.</summary>
    public static byte[] EncodeBase64Frame(EnginePacket packet)
    {
        var frame = new byte[2 + Base64.GetMaxEncodedToUtf8Length(packet.Data.Length)];
        frame[0] = (byte)'b';
        frame[1] = (byte)('0' + (int)EnginePacketType.Message);
        Base64.EncodeToUtf8(packet.Data.Span, frame.AsSpan(2), out _, out var written);
        return frame.AsSpan(0, 2 + written).ToArray();
    }

    /// <summary>
    /// Encodes packets as one polling payload (parser-v3 <c>encodePayload</c>): the binary format when the client
    /// takes binary and a packet is binary, otherwise text records <c>&lt;length&gt;:&lt;packet&gt;</c>.
    /// </summary>
    /// <param name="packets">The packets.</param>
    /// <param name="supportsBinary">False when the client asked for base64 (<c>b64=1</c>).</param>
    /// <param name="isBinary">Whether the result is the binary format (served as <c>application/octet-stream</c>).</param>
    public static byte[] EncodePayload(IReadOnlyList<EnginePacket> packets, bool supportsBinary, out bool isBinary)
    {
        isBinary = false;
        if (packets.Count == 0)
        {
            return "0:"u8.ToArray();
        }

        if (supportsBinary)
        {
            for (var i = 0; i < packets.Count; i++)
            {
                if (packets[i].IsBinary)
                {
                    isBinary = true;
                    return EncodeBinaryPayload(packets);
                }
            }
        }

        using var output = new MemoryStream();
        Span<byte> digits = stackalloc byte[MaxLengthDigits + 1];
        for (var i = 0; i < packets.Count; i++)
        {
            var p = packets[i];
            var frame = p.IsBinary ? EncodeBase64Frame(p) : p.TextFrame.Span;
            // The length counts JavaScript string units: a character outside the BMP is two (a surrogate pair).
            Utf8Formatter.TryFormat(Utf16Length(frame), digits, out var n);
            output.Write(digits[..n]);
            output.WriteByte((byte)':');
            output.Write(frame);
        }

        return output.ToArray();
    }

    private static byte[] EncodeBinaryPayload(IReadOnlyList<EnginePacket> packets)
    {
        using var output = new MemoryStream();
        for (var i = 0; i < packets.Count; i++)
        {
            var p = packets[i];
            // A string record carries the packet's UTF-8 bytes (parser-v3 utf8-encodes it first); a binary record the
            // type byte and the data. The length is of those bytes, written as one byte per decimal digit.
            var body = p.IsBinary ? EncodeBinaryFrame(p) : p.TextFrame.ToArray();
            output.WriteByte(p.IsBinary ? BinaryRecord : StringRecord);
            foreach (var c in body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                output.WriteByte((byte)(c - '0'));
            }

            output.WriteByte(LengthEnd);
            output.Write(body);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Decodes a text polling body (parser-v3 <c>decodePayload</c> on a string): records <c>&lt;length&gt;:&lt;packet&gt;</c>,
    /// the length in UTF-16 code units; an empty record is skipped. An empty body, a length that is not decimal,
    /// one that runs past the body, a bad packet or trailing characters end the list with a parse error.
    /// </summary>
    public static List<EnginePacket?> DecodeTextPayload(ReadOnlySpan<byte> body)
    {
        var packets = new List<EnginePacket?>();
        // Node reads the body as a UTF-8 string (req.setEncoding("utf8")), so lengths are counted on that string.
        var text = Encoding.UTF8.GetString(body).AsSpan();
        if (text.IsEmpty)
        {
            packets.Add(null);
            return packets;
        }

        while (!text.IsEmpty)
        {
            var colon = text.IndexOf(':');
            if (colon <= 0 || colon > MaxLengthDigits || !TryParseDigits(text[..colon], out var length) || length > text.Length - colon - 1)
            {
                packets.Add(null);
                return packets;
            }

            var record = text.Slice(colon + 1, (int)length);
            text = text[(colon + 1 + (int)length)..];
            if (record.IsEmpty)
            {
                continue;
            }

            var packet = DecodeText(Encoding.UTF8.GetBytes(record.ToString()));
            packets.Add(packet);
            if (packet is null)
            {
                return packets;
            }
        }

        return packets;
    }

    /// <summary>
    /// Decodes a binary polling body (<c>application/octet-stream</c>; parser-v3 <c>decodePayloadAsBinary</c>). As in
    /// parser-v3, a malformed framing yields no packet at all, only the parse error; a bad packet inside ends the list.
    /// </summary>
    public static List<EnginePacket?> DecodeBinaryPayload(ReadOnlySpan<byte> body)
    {
        var records = new List<(bool IsString, int Start, int Length)>();
        var offset = 0;
        while (offset < body.Length)
        {
            var kind = body[offset];
            var end = body[(offset + 1)..].IndexOf(LengthEnd);
            if (kind is not (StringRecord or BinaryRecord) || end <= 0 || end > MaxLengthDigits)
            {
                return [null];
            }

            long length = 0;
            foreach (var digit in body.Slice(offset + 1, end))
            {
                if (digit > 9)
                {
                    return [null];
                }

                length = (length * 10) + digit;
            }

            var start = offset + 1 + end + 1;
            if (length > body.Length - start)
            {
                return [null]; // the record runs past the body
            }

            records.Add((kind == StringRecord, start, (int)length));
            offset = start + (int)length;
        }

        var packets = new List<EnginePacket?>(records.Count);
        foreach (var (isString, start, length) in records)
        {
            var record = body.Slice(start, length);
            var packet = isString ? DecodeText(record) : DecodeBinaryFrame(record);
            packets.Add(packet);
            if (packet is null)
            {
                break;
            }
        }

        return packets;
    }

    /// <summary>The length of UTF-8 text in UTF-16 code units (valid UTF-8, as every frame this server builds).</summary>
    internal static int Utf16Length(ReadOnlySpan<byte> utf8)
    {
        var units = 0;
        foreach (var b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                units += b >= 0xF0 ? 2 : 1;
            }
        }

        return units;
    }

    private static bool TryParseDigits(ReadOnlySpan<char> digits, out long value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    private static EnginePacket DecodeBase64(ReadOnlySpan<byte> typeAndBase64)
    {
        // "b" + type digit + base64; Node decodes base64 leniently (Buffer.from(x, "base64")), never failing.
        var type = typeAndBase64.IsEmpty ? -1 : typeAndBase64[0] - (byte)'0';
        if (type is < 0 or > 6)
        {
            return EnginePacket.Noop; // no known type: engine.io's socket ignores it
        }

        var base64 = typeAndBase64[1..];
        var bytes = new byte[(base64.Length + 3) / 4 * 3];
        var written = EnginePacketCodec.LenientBase64Decode(base64, bytes);
        return WithData((EnginePacketType)type, bytes.AsMemory(0, written));
    }

    /// <summary>A packet with binary data: a binary message, or a packet of another type whose data nothing reads.</summary>
    private static EnginePacket WithData(EnginePacketType type, ReadOnlyMemory<byte> data) =>
        type == EnginePacketType.Message ? EnginePacket.Binary(data) : EnginePacket.Text(type, data);
}
