using System.Globalization;

namespace SocketIo.Server.Protocol;

/// <summary>
/// Formats a double exactly as JavaScript's <c>Number.prototype.toString()</c> (ECMA-262 Number::toString),
/// which is what <c>JSON.stringify</c> writes: shortest round-trip digits, plain notation for exponents
/// from -7 to 20, and <c>1e+21</c>-style exponents otherwise.
/// </summary>
internal static class JsNumberFormatter
{
    public static string Format(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return "null"; // JSON.stringify(NaN) and JSON.stringify(Infinity) are "null"
        }

        if (value == 0)
        {
            return "0"; // also for -0
        }

        // .NET Core 3.0+ "R" is the shortest round-trip representation; only its layout differs from JS.
        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = r[0] == '-';
        if (negative)
        {
            r = r[1..];
        }

        var exponent = 0;
        var e = r.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }

        var dot = r.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot < 0 ? r : r[..dot];
        var fracPart = dot < 0 ? string.Empty : r[(dot + 1)..];
        var digits = (intPart + fracPart).TrimStart('0');
        // n: position of the decimal point relative to the first significant digit (value = 0.digits × 10^n).
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        var n = intPart.Length - leadingZeros + exponent;
        digits = digits.TrimEnd('0');
        var k = digits.Length;

        string result;
        if (k <= n && n <= 21)
        {
            result = digits + new string('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            result = digits[..n] + "." + digits[n..];
        }
        else if (-6 < n && n <= 0)
        {
            result = "0." + new string('0', -n) + digits;
        }
        else
        {
            var exp = n - 1;
            var sign = exp < 0 ? "-" : "+";
            var mantissa = k == 1 ? digits : digits[..1] + "." + digits[1..];
            result = mantissa + "e" + sign + Math.Abs(exp).ToString(CultureInfo.InvariantCulture);
        }

        return negative ? "-" + result : result;
    }
}
