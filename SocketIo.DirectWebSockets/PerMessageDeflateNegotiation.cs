using System.Globalization;
using System.Text;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// The server's half of the permessage-deflate negotiation (RFC 7692 §5, §7.1) as ws 8 makes it with engine.io's
/// options (<c>perMessageDeflate: true</c>, no window or context-takeover preferences of the server's own): the
/// <c>Sec-WebSocket-Extensions</c> header is parsed with ws's grammar (lib/extension.js), every permessage-deflate
/// offer's parameters are checked (lib/permessage-deflate.js normalizeParams), and the first acceptable offer is
/// answered with its own parameters, but for a valueless <c>client_max_window_bits</c>, which is left out.
/// </summary>
/// <remarks>
/// One difference from ws, allowed by RFC 7692 §5: an offer of <c>server_max_window_bits</c> below 15 is declined,
/// as .NET's DeflateStream deflates with a window of 2^15 bytes only; the next offer is tried, and with none left the
/// connection is served uncompressed (ws would accept it, its zlib takes any window).
/// </remarks>
internal static class PerMessageDeflateNegotiation
{
    public const string ExtensionName = "permessage-deflate";

    private const int WindowBits = 15; // DeflateStream's window (zlib windowBits -15)

    /// <summary>Negotiates on the request's extension offers (repeated headers joined with ", ", as Node joins them).</summary>
    /// <param name="header">The <c>Sec-WebSocket-Extensions</c> value.</param>
    /// <param name="accepted">The agreement, or null: no permessage-deflate offer this server can honour.</param>
    /// <returns>
    /// False when the header does not parse or an offer has an unknown, repeated or invalid parameter: ws answers such
    /// a handshake 400 ("Invalid or unacceptable Sec-WebSocket-Extensions header").
    /// </returns>
    public static bool TryNegotiate(string header, out PerMessageDeflateParameters? accepted)
    {
        accepted = null;
        if (!TryParse(header, out var offers))
        {
            return false;
        }

        var deflateOffers = offers.Where(o => o.Name == ExtensionName).ToList();
        var normalized = new List<List<(string Key, int? Number)>>(deflateOffers.Count);
        foreach (var offer in deflateOffers)
        {
            if (!TryNormalize(offer.Parameters, out var parameters))
            {
                return false; // ws checks every offer before it picks one
            }

            normalized.Add(parameters);
        }

        foreach (var parameters in normalized)
        {
            if (parameters.Any(p => p.Key == "server_max_window_bits" && p.Number < WindowBits))
            {
                continue; // a window DeflateStream cannot keep to: declined (see remarks)
            }

            var response = new StringBuilder(ExtensionName);
            foreach (var (key, number) in parameters)
            {
                if (key == "client_max_window_bits" && number is null)
                {
                    continue; // "true": the client may be told a size; ws tells none
                }

                response.Append("; ").Append(key);
                if (number is { } n)
                {
                    response.Append('=').Append(n.ToString(CultureInfo.InvariantCulture));
                }
            }

            accepted = new PerMessageDeflateParameters(
                parameters.Any(p => p.Key == "server_no_context_takeover"),
                parameters.Any(p => p.Key == "client_no_context_takeover"),
                response.ToString());
            return true;
        }

        return true;
    }

    /// <summary>ws's normalizeParams for a server: known names only, each once, window sizes 8 to 15.</summary>
    private static bool TryNormalize(List<(string Key, string? Value)> raw, out List<(string Key, int? Number)> parameters)
    {
        parameters = new List<(string, int?)>(raw.Count);
        foreach (var (key, value) in raw)
        {
            if (raw.Count(p => p.Key == key) > 1)
            {
                return false;
            }

            switch (key)
            {
                case "client_max_window_bits" when value is null:
                    parameters.Add((key, null));
                    break;
                case "client_max_window_bits" or "server_max_window_bits":
                    // A valueless server_max_window_bits is ws's +true, 1: out of range as well.
                    var bits = value is null ? 1 : JsNumber(value);
                    if (bits is not (>= 8 and <= 15) || bits != Math.Floor(bits))
                    {
                        return false;
                    }

                    parameters.Add((key, (int)bits));
                    break;
                case "client_no_context_takeover" or "server_no_context_takeover" when value is null:
                    parameters.Add((key, null));
                    break;
                default:
                    return false; // an unknown parameter, or a value on a flag
            }
        }

        return true;
    }

    /// <summary>JavaScript's unary plus on a token (<c>+"010"</c>, <c>+"1e1"</c>, <c>+"0xf"</c>), or NaN.</summary>
    private static double JsNumber(string value)
    {
        if (value.Length > 2 && value[0] == '0' && (value[1] | 0x20) is 'x' or 'b' or 'o')
        {
            var radix = (value[1] | 0x20) switch { 'x' => 16, 'b' => 2, _ => 8 };
            double n = 0;
            foreach (var c in value.AsSpan(2))
            {
                var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? (c | 0x20) - 'a' + 10 : 99;
                if (digit >= radix)
                {
                    return double.NaN;
                }

                n = (n * radix) + digit;
            }

            return n;
        }

        return value.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-')
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;
    }

    /// <summary>
    /// Parses the header as ws's extension.parse does: offers separated by commas, each a token and parameters after
    /// semicolons, a parameter a token with an optional value (a token, or a quoted string of token characters with
    /// backslash escapes); whitespace only around the separators.
    /// </summary>
    internal static bool TryParse(string header, out List<(string Name, List<(string Key, string? Value)> Parameters)> offers)
    {
        offers = [];
        var i = 0;
        while (true)
        {
            var name = Token(header, ref i);
            if (name.Length == 0)
            {
                return false;
            }

            var parameters = new List<(string, string?)>();
            SkipSpace(header, ref i);
            while (i < header.Length && header[i] == ';')
            {
                i++;
                SkipSpace(header, ref i);
                var key = Token(header, ref i);
                if (key.Length == 0)
                {
                    return false;
                }

                string? value = null;
                if (i < header.Length && header[i] == '=')
                {
                    i++;
                    value = i < header.Length && header[i] == '"' ? Quoted(header, ref i) : Token(header, ref i);
                    if (string.IsNullOrEmpty(value))
                    {
                        return false;
                    }
                }

                parameters.Add((key, value));
                SkipSpace(header, ref i);
            }

            offers.Add((name, parameters));
            if (i == header.Length)
            {
                // ws refuses trailing whitespace ("Unexpected end of input"); header values arrive trimmed.
                return !char.IsWhiteSpace(header[^1]);
            }

            if (header[i] != ',')
            {
                return false;
            }

            i++;
            SkipSpace(header, ref i);
        }
    }

    private static string Token(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && IsTokenChar(s[i]))
        {
            i++;
        }

        return s[start..i];
    }

    /// <summary>A quoted value at <paramref name="i"/>; null when it is not closed or has a character ws refuses.</summary>
    private static string? Quoted(string s, ref int i)
    {
        var value = new StringBuilder();
        for (i++; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\')
            {
                if (++i == s.Length || !IsTokenChar(s[i]))
                {
                    return null;
                }

                value.Append(s[i]);
            }
            else if (IsTokenChar(c))
            {
                value.Append(c);
            }
            else if (c == '"' && value.Length > 0)
            {
                i++;
                return value.ToString();
            }
            else
            {
                return null;
            }
        }

        return null;
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
