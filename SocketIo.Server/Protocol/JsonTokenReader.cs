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

    private static JToken ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new JObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
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
                return new JValue(reader.GetString());
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
