using System.Buffers;
using System.Buffers.Text;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// Engine.IO v4 encoding of single packets and polling payloads (EP "Packet encoding", "Payload").
/// Pure functions over bytes; no I/O.
/// </summary>
internal static class EnginePacketCodec
{
    /// <summary>The record separator (0x1e) that joins packets in a polling payload (EP "Payload").</summary>
    public const byte Separator = 0x1e;

    /// <summary>
    /// Decodes one text-encoded packet (a WebSocket text frame, or one polling record that does not start
    /// with <c>b</c>). Returns <c>false</c> for an empty record or an unknown type digit, which the reference
    /// turns into a "parser error" packet (engine.io-parser decodePacket.ts).
    /// </summary>
    public static bool TryDecodeText(ReadOnlySpan<byte> encoded, out EnginePacket? packet)
    {
        packet = null;
        if (encoded.IsEmpty)
        {
            return false;
        }

        var typeDigit = encoded[0] - (byte)'0';
        if (typeDigit is < 0 or > 6)
        {
            return false;
        }

        packet = EnginePacket.Text((EnginePacketType)typeDigit, encoded[1..].ToArray());
        return true;
    }

    /// <summary>
    /// Decodes a polling POST body into packets. Decoding stops at the first bad record, which is returned
    /// as <c>null</c> at the end of the list (the reference does the same: decodePayload breaks on error).
    /// </summary>
    public static List<EnginePacket?> DecodePayload(ReadOnlySpan<byte> payload)
    {
        var packets = new List<EnginePacket?>();
        while (true)
        {
            var end = payload.IndexOf(Separator);
            var record = end < 0 ? payload : payload[..end];
            var packet = DecodeRecord(record);
            packets.Add(packet);
            if (packet is null || end < 0)
            {
                return packets;
            }

            payload = payload[(end + 1)..];
        }
    }

    private static EnginePacket? DecodeRecord(ReadOnlySpan<byte> record)
    {
        if (!record.IsEmpty && record[0] == (byte)'b')
        {
            // Binary in a polling payload is "b" + base64, with no type digit (EP "Payload").
            var base64 = record[1..];
            // Sized for unpadded input too: GetMaxDecodedFromUtf8Length rounds down to whole 4-char groups (0 for
            // "AQ"), which left the lenient path below no room for the tail Node does decode ("bAQ" → [1]).
            var bytes = new byte[(base64.Length + 3) / 4 * 3];
            var status = Base64.DecodeFromUtf8(base64, bytes, out _, out var written);
            if (status != OperationStatus.Done)
            {
                // Node's Buffer.from(x, "base64") is lenient; accept what decodes, as it does.
                written = LenientBase64Decode(base64, bytes);
            }

            return EnginePacket.Binary(bytes.AsMemory(0, written));
        }

        return TryDecodeText(record, out var packet) ? packet : null;
    }

    internal static int LenientBase64Decode(ReadOnlySpan<byte> base64, byte[] destination)
    {
        // Node's base64 decoder: skip characters outside the alphabet (standard and URL-safe), stop at the first
        // '=', decode the whole 4-char groups, and keep the whole bytes of a partial group while ignoring its
        // leftover bits ("AQD" → [1, 0]), which Base64.DecodeFromUtf8 would reject as non-canonical.
        var written = 0;
        var group = 0;
        var count = 0;
        foreach (var c in base64)
        {
            if (c == (byte)'=')
            {
                break;
            }

            int sextet = c switch
            {
                >= (byte)'A' and <= (byte)'Z' => c - 'A',
                >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
                >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
                (byte)'+' or (byte)'-' => 62,
                (byte)'/' or (byte)'_' => 63,
                _ => -1,
            };
            if (sextet < 0)
            {
                continue;
            }

            group = (group << 6) | sextet;
            if (++count == 4)
            {
                destination[written++] = (byte)(group >> 16);
                destination[written++] = (byte)(group >> 8);
                destination[written++] = (byte)group;
                group = 0;
                count = 0;
            }
        }

        if (count == 2)
        {
            destination[written++] = (byte)(group >> 4);
        }
        else if (count == 3)
        {
            destination[written++] = (byte)(group >> 10);
            destination[written++] = (byte)(group >> 2);
        }

        return written;
    }

    /// <summary>Encodes packets as one polling payload: text records and <c>b</c>+base64 records joined by 0x1e.</summary>
    public static byte[] EncodePayload(IReadOnlyList<EnginePacket> packets)
    {
        var length = packets.Count - 1;
        for (var i = 0; i < packets.Count; i++)
        {
            var p = packets[i];
            length += p.IsBinary ? 1 + Base64.GetMaxEncodedToUtf8Length(p.Data.Length) : p.Data.Length + 1;
        }

        var buffer = new byte[length];
        var offset = 0;
        for (var i = 0; i < packets.Count; i++)
        {
            if (i > 0)
            {
                buffer[offset++] = Separator;
            }

            var p = packets[i];
            if (p.IsBinary)
            {
                buffer[offset++] = (byte)'b';
                Base64.EncodeToUtf8(p.Data.Span, buffer.AsSpan(offset), out _, out var written);
                offset += written;
            }
            else
            {
                var frame = p.TextFrame.Span;
                frame.CopyTo(buffer.AsSpan(offset));
                offset += frame.Length;
            }
        }

        return buffer;
    }
}
