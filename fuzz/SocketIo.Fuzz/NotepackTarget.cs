using Newtonsoft.Json.Linq;
using SocketIo.Redis.Codec;

namespace SocketIo.Fuzz;

/// <summary>
/// The msgpack reader of every Redis payload (<c>NotepackReader.TryDecode</c>; documented never to throw). A decoded
/// value re-encodes with <c>NotepackWriter</c> to bytes that decode again and re-encode identically (a fixed point),
/// except for integral numbers outside [-2^63, 2^64), which the writer wraps modulo 2^64 as notepack does (documented).
/// </summary>
internal static class NotepackTarget
{
    private const double TwoPow63 = 9223372036854775808d;
    private const double TwoPow64 = 18446744073709551616d;

    public static void Run(byte[] input)
    {
        if (!NotepackReader.TryDecode(input, out var value, out var error))
        {
            FuzzInvariantException.Check(error is not null && value is null, "a failure without a reason");
            return;
        }

        var first = NotepackWriter.Encode(value);
        FuzzInvariantException.Check(NotepackReader.TryDecode(first, out var again, out error), "our own encoding does not decode: " + error);
        if (HasWrappingNumber(value))
        {
            return;
        }

        var second = NotepackWriter.Encode(again);
        FuzzInvariantException.Check(first.AsSpan().SequenceEqual(second), $"re-encoding is not a fixed point: {Convert.ToHexString(first)} then {Convert.ToHexString(second)}");
    }

    private static bool HasWrappingNumber(JToken? token) => token switch
    {
        JValue { Type: JTokenType.Float, Value: double d } => Math.Floor(d) == d && (d >= TwoPow64 || d < -TwoPow63),
        JContainer container => container.Children().Any(HasWrappingNumber),
        _ => false,
    };
}
