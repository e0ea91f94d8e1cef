using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol;

/// <summary>
/// Parses UTF-8 JSON into a <see cref="JToken"/> with <c>JSON.parse</c>'s strictness (System.Text.Json's reader:
/// no comments, no trailing commas, no NaN), numbers as <c>long</c> when integral and in range, else <c>double</c>.
/// </summary>
internal static class JsonTokenReader
{
    private const int MaxDepth = 256;

    /// <summary>Returns false when the text is not one complete JSON value.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out JToken? token)
    {
        token = null;
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            // JS decodes invalid UTF-8 with U+FFFD before JSON.parse; do the same.
            utf8 = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(utf8));
        }

        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            token = ReadValue(ref reader);
            return !reader.Read();
        }
        catch (JsonException)
        {
            token = null;
            return false;
        }
    }

    /// <summary>
    /// The string value of the current String or PropertyName token, as JSON.parse gives it. Fix: escaped lone
    /// surrogates (<c>"\ud800"</c>) are valid JSON and JSON.stringify writes them for any string holding a lone
    /// surrogate, but <see cref="Utf8JsonReader.GetString"/> throws <see cref="InvalidOperationException"/> on them,
    /// which escaped TryParse; escaped text is therefore unescaped here, keeping lone surrogates as JS does.
    /// </summary>
    private static string GetJsString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.GetString()!;
        }

        ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        var builder = new StringBuilder(raw.Length);
        var start = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\')
            {
                continue;
            }

            builder.Append(Encoding.UTF8.GetString(raw[start..i]));
            var escape = raw[++i]; // the reader has already validated every escape sequence
            if (escape == (byte)'u')
            {
                builder.Append((char)int.Parse(raw.Slice(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                i += 4;
            }
            else
            {
                builder.Append(escape switch
                {
                    (byte)'b' => '\b',
                    (byte)'f' => '\f',
                    (byte)'n' => '\n',
                    (byte)'r' => '\r',
                    (byte)'t' => '\t',
                    _ => (char)escape, // \" \\ \/
                });
            }

            start = i + 1;
        }

        builder.Append(Encoding.UTF8.GetString(raw[start..]));
        return builder.ToString();
    }

    private static JToken ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new JObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = GetJsString(ref reader);
                    reader.Read();
                    obj[name] = ReadValue(ref reader); // duplicate keys: the last one wins, as in JSON.parse
                }

                return obj;
            case JsonTokenType.StartArray:
                var array = new JArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Add(ReadValue(ref reader));
                }

                return array;
            case JsonTokenType.String:
                return new JValue(GetJsString(ref reader));
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var l))
                {
                    return new JValue(l);
                }

                return new JValue(reader.GetDouble());
            case JsonTokenType.True:
                return new JValue(true);
            case JsonTokenType.False:
                return new JValue(false);
            default:
                return JValue.CreateNull();
        }
    }
}
