using System.Text;

namespace SocketIo.Server.EngineIo.Transports;

/// <summary>
/// JSONP long-polling (engine.io <c>transports/polling-jsonp.ts</c>, chosen when the handshake has a <c>j</c> query
/// parameter, for old browsers without CORS): a poll's payload goes out as the script
/// <c>___eio[j]("payload");</c>, and a client's payload arrives as the form field <c>d</c> with its newlines escaped.
/// </summary>
internal static class JsonpPolling
{
    /// <summary>The script's head for the handshake's <c>j</c> (its digits only, as engine.io keeps), or null for plain polling.</summary>
    public static string? HeadFor(string? j) =>
        j is null ? null : "___eio[" + new string(j.Where(char.IsAsciiDigit).ToArray()) + "](";

    /// <summary>The poll response: the payload as a JavaScript string literal between the head and <c>);</c>.</summary>
    public static byte[] Wrap(string head, byte[] payload)
    {
        var text = Encoding.UTF8.GetString(payload);
        var js = new StringBuilder(head.Length + text.Length + 8).Append(head).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': js.Append("\\\""); break;
                case '\\': js.Append("\\\\"); break;
                case '\b': js.Append("\\b"); break;
                case '\f': js.Append("\\f"); break;
                case '\n': js.Append("\\n"); break;
                case '\r': js.Append("\\r"); break;
                case '\t': js.Append("\\t"); break;
                // JSON.stringify leaves U+2028/U+2029 as they are; engine.io escapes them, as JavaScript (before
                // ES2019) does not allow them in a string literal.
                case '\u2028': js.Append("\\u2028"); break;
                case '\u2029': js.Append("\\u2029"); break;
                default:
                    if (c < ' ')
                    {
                        js.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        js.Append(c);
                    }

                    break;
            }
        }

        return Encoding.UTF8.GetBytes(js.Append("\");").ToString());
    }

    /// <summary>
    /// The payload of a JSONP POST: the one <c>d</c> field of the urlencoded form (Node's <c>querystring.parse</c>;
    /// none, or more than one, is no payload), with the client's escaping undone: <c>\n</c> becomes a newline, <c>\\n</c>
    /// becomes <c>\n</c>.
    /// </summary>
    public static byte[]? Unwrap(byte[] body)
    {
        string? data = null;
        var count = 0;
        foreach (var pair in Encoding.UTF8.GetString(body).Split('&'))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(eq < 0 ? pair : pair[..eq]);
            if (key == "d")
            {
                count++;
                data = eq < 0 ? string.Empty : Decode(pair[(eq + 1)..]);
            }
        }

        if (count != 1 || data is null)
        {
            return null;
        }

        var text = new StringBuilder(data.Length);
        for (var i = 0; i < data.Length; i++)
        {
            // polling-jsonp.ts: /(\\)?\\n/g → "\n" unless preceded by a backslash, then /\\\\n/g → "\\n".
            if (data[i] == '\\' && i + 2 < data.Length && data[i + 1] == '\\' && data[i + 2] == 'n')
            {
                text.Append("\\n");
                i += 2;
            }
            else if (data[i] == '\\' && i + 1 < data.Length && data[i + 1] == 'n')
            {
                text.Append('\n');
                i += 1;
            }
            else
            {
                text.Append(data[i]);
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string Decode(string component)
    {
        var spaced = component.Replace('+', ' ');
        try
        {
            return Uri.UnescapeDataString(spaced);
        }
        catch (UriFormatException)
        {
            return spaced; // querystring.unescape falls back to the raw text on malformed escapes
        }
    }
}
