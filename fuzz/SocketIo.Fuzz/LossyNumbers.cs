using Newtonsoft.Json.Linq;

namespace SocketIo.Fuzz;

/// <summary>The numbers whose round trip is lossy by design, in Node as here, so a round-trip check must skip them.</summary>
internal static class LossyNumbers
{
    private const double TwoPow63 = 9223372036854775808d;
    private const double TwoPow64 = 18446744073709551616d;

    /// <summary>An integral number outside [-2^63, 2^64): notepack writes it modulo 2^64 (documented in NotepackWriter).</summary>
    public static bool HasWrapping(JToken? token) => Any(token, d => Math.Floor(d) == d && (d >= TwoPow64 || d < -TwoPow63));

    /// <summary>±Infinity or NaN: JSON.stringify writes null (and JSON.parse reads an out-of-range literal as ±Infinity).</summary>
    public static bool HasNonFinite(JToken? token) => Any(token, d => !double.IsFinite(d));

    private static bool Any(JToken? token, Func<double, bool> predicate) => token switch
    {
        JValue { Type: JTokenType.Float, Value: double d } => predicate(d),
        JContainer container => container.Children().Any(c => Any(c, predicate)),
        _ => false,
    };
}
