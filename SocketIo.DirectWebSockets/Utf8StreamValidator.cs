using System.Text.Unicode;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// Checks that a text message delivered in pieces is valid UTF-8 (RFC 6455 §8.1): a character split between two
/// pieces is checked once it is whole, and a message may not end inside one.
/// </summary>
internal struct Utf8StreamValidator
{
    private uint _carried; // the bytes of a character begun at the end of the previous piece, first byte lowest
    private int _carriedCount;

    /// <summary>Validates the next piece; <paramref name="final"/> marks the message's last piece.</summary>
    /// <returns>False once the bytes so far cannot be valid UTF-8.</returns>
    public bool Append(ReadOnlySpan<byte> piece, bool final)
    {
        if (_carriedCount > 0)
        {
            Span<byte> character = stackalloc byte[4];
            for (var i = 0; i < _carriedCount; i++)
            {
                character[i] = (byte)(_carried >> (8 * i));
            }

            var length = SequenceLength(character[0]);
            var take = Math.Min(length - _carriedCount, piece.Length);
            piece[..take].CopyTo(character[_carriedCount..]);
            if (_carriedCount + take < length)
            {
                Carry(character[..(_carriedCount + take)]);
                return !final;
            }

            _carriedCount = 0;
            if (!Utf8.IsValid(character[..length]))
            {
                return false;
            }

            piece = piece[take..];
        }

        var tail = IncompleteTail(piece);
        if (!Utf8.IsValid(piece[..^tail]))
        {
            return false;
        }

        if (tail > 0)
        {
            Carry(piece[^tail..]);
            return !final;
        }

        return true;
    }

    private void Carry(ReadOnlySpan<byte> bytes)
    {
        _carried = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            _carried |= (uint)bytes[i] << (8 * i);
        }

        _carriedCount = bytes.Length;
    }

    /// <summary>How many bytes at the end of <paramref name="piece"/> begin a character that ends after it.</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> piece)
    {
        for (var k = 1; k <= Math.Min(3, piece.Length); k++)
        {
            var b = piece[^k];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte: look further back for its lead
            }

            // A lead (or ASCII, or an invalid byte that IsValid reports): incomplete when it needs more than k bytes.
            return SequenceLength(b) > k ? k : 0;
        }

        return 0;
    }

    private static int SequenceLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        >= 0xC2 and <= 0xDF => 2,
        >= 0xE0 and <= 0xEF => 3,
        >= 0xF0 and <= 0xF4 => 4,
        _ => 0,
    };
}
