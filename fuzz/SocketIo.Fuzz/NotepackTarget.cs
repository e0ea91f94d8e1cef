using SocketIo.Redis.Codec;
using SocketIo.Server.Protocol.Msgpack;

namespace SocketIo.Fuzz;

/// <summary>
/// The msgpack reader of every Redis payload (<c>NotepackReader.TryDecode</c>; documented never to throw). A decoded
/// value re-encodes with <c>NotepackWriter</c> to bytes that decode again and re-encode identically (a fixed point),
/// except for integral numbers outside [-2^63, 2^64), which the writer wraps modulo 2^64 as notepack does (documented).
/// </summary>
internal static class NotepackTarget
{
    public static void Run(byte[] input)
    {
        if (!NotepackReader.TryDecode(input, out var value, out var error))
        {
            FuzzInvariantException.Check(error is not null && value is null, "a failure without a reason");
            return;
        }

        var first = NotepackWriter.Encode(value);
        FuzzInvariantException.Check(NotepackReader.TryDecode(first, out var again, out error), "our own encoding does not decode: " + error);
        if (LossyNumbers.HasWrapping(value))
        {
            return;
        }

        var second = NotepackWriter.Encode(again);
        FuzzInvariantException.Check(first.AsSpan().SequenceEqual(second), $"re-encoding is not a fixed point: {Convert.ToHexString(first)} then {Convert.ToHexString(second)}");
    }
}
