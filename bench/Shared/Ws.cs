using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SocketIo.Bench;

/// <summary>Minimal RFC 6455 framing shared by the load generator (client side) and the null server.</summary>
internal static class Ws
{
    public const byte OpContinuation = 0;
    public const byte OpText = 1;
    public const byte OpBinary = 2;
    public const byte OpClose = 8;
    public const byte OpPing = 9;
    public const byte OpPong = 10;

    /// <summary>Largest header: 2 + 8 (length) + 4 (mask key).</summary>
    public const int MaxHeader = 14;

    /// <summary>Writes a final-fragment frame header; returns its length. With <paramref name="mask"/> the key is appended.</summary>
    public static int WriteHeader(Span<byte> dest, byte opcode, int payloadLength, uint? mask)
    {
        dest[0] = (byte)(0x80 | opcode);
        var maskBit = mask.HasValue ? (byte)0x80 : (byte)0;
        int n;
        if (payloadLength < 126)
        {
            dest[1] = (byte)(maskBit | payloadLength);
            n = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            dest[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(dest[2..], (ushort)payloadLength);
            n = 4;
        }
        else
        {
            dest[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(dest[2..], (ulong)payloadLength);
            n = 10;
        }

        if (mask is { } key)
        {
            MemoryMarshal.Write(dest[n..], in key);
            n += 4;
        }

        return n;
    }

    /// <summary>XORs <paramref name="data"/> with a 4-byte key (as stored in the frame, memory order), starting at key offset 0.</summary>
    public static void ApplyMask(Span<byte> data, uint key)
    {
        var wide = ((ulong)key << 32) | key;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        for (var i = 0; i < words.Length; i++)
        {
            words[i] ^= wide;
        }

        var keyBytes = MemoryMarshal.AsBytes(new ReadOnlySpan<uint>(in key));
        for (var i = words.Length * 8; i < data.Length; i++)
        {
            data[i] ^= keyBytes[i & 3];
        }
    }

    /// <summary>
    /// Parses one frame at the start of <paramref name="buffer"/>. Returns the total frame length,
    /// 0 when more bytes are needed (<paramref name="needed"/> then holds the full length when known), or -1 on a malformed frame.
    /// </summary>
    public static int TryParse(ReadOnlySpan<byte> buffer, out byte opcode, out bool fin, out int payloadOffset, out int payloadLength, out uint? mask, out int needed)
    {
        opcode = 0;
        fin = false;
        payloadOffset = 0;
        payloadLength = 0;
        mask = null;
        needed = 0;
        if (buffer.Length < 2)
        {
            return 0;
        }

        fin = (buffer[0] & 0x80) != 0;
        opcode = (byte)(buffer[0] & 0x0F);
        var masked = (buffer[1] & 0x80) != 0;
        long len = buffer[1] & 0x7F;
        var pos = 2;
        if (len == 126)
        {
            if (buffer.Length < 4)
            {
                return 0;
            }

            len = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            pos = 4;
        }
        else if (len == 127)
        {
            if (buffer.Length < 10)
            {
                return 0;
            }

            var big = BinaryPrimitives.ReadUInt64BigEndian(buffer[2..]);
            if (big > int.MaxValue / 2)
            {
                return -1;
            }

            len = (long)big;
            pos = 10;
        }

        if (masked)
        {
            if (buffer.Length < pos + 4)
            {
                return 0;
            }

            mask = MemoryMarshal.Read<uint>(buffer[pos..]);
            pos += 4;
        }

        var total = pos + (int)len;
        if (buffer.Length < total)
        {
            needed = total;
            return 0;
        }

        payloadOffset = pos;
        payloadLength = (int)len;
        return total;
    }
}

/// <summary>Small helpers for Socket.IO text packets.</summary>
internal static class Sio
{
    /// <summary>Parses a decimal integer at the start of <paramref name="s"/>; returns the digit count (0 when none).</summary>
    public static int ParseInt(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        var i = 0;
        while (i < s.Length && (uint)(s[i] - '0') <= 9)
        {
            value = (value * 10) + (s[i] - '0');
            i++;
        }

        return i;
    }

    /// <summary>Writes a non-negative integer in decimal; returns the byte count.</summary>
    public static int WriteInt(Span<byte> dest, long value)
    {
        System.Buffers.Text.Utf8Formatter.TryFormat(value, dest, out var written);
        return written;
    }
}
