using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol;

/// <summary>
/// Writes a <see cref="JToken"/> as the exact UTF-8 bytes <c>JSON.stringify</c> produces for the same value:
/// compact, key order kept, integers without <c>.0</c>, JS number formatting, non-ASCII written as is and only
/// the escapes JSON.stringify uses (short forms, <c>\u00xx</c> for other controls, lone surrogates escaped).
/// </summary>
internal static class JsJsonWriter
{
    private static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();

    /// <summary>
    /// Appends the JSON of <paramref name="token"/>. Bytes must already be replaced by placeholders, unless
    /// <paramref name="bytesAsNodeBuffer"/> writes them as JSON.stringify writes a Node Buffer:
    /// <c>{"type":"Buffer","data":[…]}</c>.
    /// </summary>
    public static void Write(IBufferWriter<byte> output, JToken? token, bool bytesAsNodeBuffer = false)
    {
        switch (token?.Type)
        {
            case null:
            case JTokenType.Null:
            case JTokenType.Undefined:
                WriteRaw(output, "null"u8);
                break;
            case JTokenType.Object:
                WriteObject(output, (JObject)token, bytesAsNodeBuffer);
                break;
            case JTokenType.Array:
                WriteArray(output, (JArray)token, bytesAsNodeBuffer);
                break;
            case JTokenType.Property:
                Write(output, ((JProperty)token).Value, bytesAsNodeBuffer);
                break;
            case JTokenType.Boolean:
                WriteRaw(output, token.Value<bool>() ? "true"u8 : "false"u8);
                break;
            case JTokenType.Integer:
                WriteInteger(output, ((JValue)token).Value);
                break;
            case JTokenType.Float:
                WriteAscii(output, JsNumberFormatter.Format(Convert.ToDouble(((JValue)token).Value, CultureInfo.InvariantCulture)));
                break;
            // new JValue((string?)null) is a String token without a value: the null it stands for (a C# null string).
            case JTokenType.String when ((JValue)token).Value is null:
                WriteRaw(output, "null"u8);
                break;
            case JTokenType.String:
                WriteString(output, (string)((JValue)token).Value!);
                break;
            case JTokenType.Date:
                WriteString(output, FormatDate(((JValue)token).Value));
                break;
            case JTokenType.Guid:
            case JTokenType.Uri:
            case JTokenType.TimeSpan:
                WriteString(output, Convert.ToString(((JValue)token).Value, CultureInfo.InvariantCulture) ?? string.Empty);
                break;
            case JTokenType.Bytes when bytesAsNodeBuffer:
                WriteNodeBuffer(output, (byte[])((JValue)token).Value!);
                break;
            case JTokenType.Bytes:
                throw new InvalidOperationException("Binary values must be replaced by placeholders before writing JSON.");
            default:
                WriteRaw(output, "null"u8);
                break;
        }
    }

    /// <summary>Returns the JSON text of a token, for diagnostics and tests.</summary>
    public static string ToJson(JToken? token)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, token);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteNodeBuffer(IBufferWriter<byte> output, byte[] bytes)
    {
        WriteRaw(output, "{\"type\":\"Buffer\",\"data\":["u8);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (i > 0)
            {
                WriteByte(output, (byte)',');
            }

            WriteAscii(output, bytes[i].ToString(CultureInfo.InvariantCulture));
        }

        WriteRaw(output, "]}"u8);
    }

    private static void WriteObject(IBufferWriter<byte> output, JObject obj, bool bytesAsNodeBuffer)
    {
        WriteByte(output, (byte)'{');
        var first = true;
        foreach (var property in obj.Properties())
        {
            // JSON.stringify omits undefined members.
            if (property.Value.Type == JTokenType.Undefined)
            {
                continue;
            }

            if (!first)
            {
                WriteByte(output, (byte)',');
            }

            first = false;
            WriteString(output, property.Name);
            WriteByte(output, (byte)':');
            Write(output, property.Value, bytesAsNodeBuffer);
        }

        WriteByte(output, (byte)'}');
    }

    private static void WriteArray(IBufferWriter<byte> output, JArray array, bool bytesAsNodeBuffer)
    {
        WriteByte(output, (byte)'[');
        for (var i = 0; i < array.Count; i++)
        {
            if (i > 0)
            {
                WriteByte(output, (byte)',');
            }

            Write(output, array[i], bytesAsNodeBuffer);
        }

        WriteByte(output, (byte)']');
    }

    private static void WriteInteger(IBufferWriter<byte> output, object? value)
    {
        switch (value)
        {
            case long l:
                WriteAscii(output, l.ToString(CultureInfo.InvariantCulture));
                break;
            case int i:
                WriteAscii(output, i.ToString(CultureInfo.InvariantCulture));
                break;
            case ulong u:
                WriteAscii(output, u <= (1UL << 53) ? u.ToString(CultureInfo.InvariantCulture) : JsNumberFormatter.Format(u));
                break;
            case BigInteger big:
                // JS numbers are doubles: a big integer prints as its nearest double would.
                WriteAscii(output, JsNumberFormatter.Format((double)big));
                break;
            default:
                WriteAscii(output, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "0");
                break;
        }
    }

    private static string FormatDate(object? value) => value switch
    {
        // Date.prototype.toJSON: ISO 8601 in UTC with milliseconds.
        DateTime dt => dt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static void WriteString(IBufferWriter<byte> output, string value)
    {
        WriteByte(output, (byte)'"');
        var span = value.AsSpan();
        var start = 0;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            string? shortEscape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => null,
            };
            var needsUnicodeEscape = shortEscape is null && (c < 0x20 || IsLoneSurrogate(span, i));
            if (shortEscape is null && !needsUnicodeEscape)
            {
                if (char.IsHighSurrogate(c))
                {
                    i++; // a valid pair: keep both halves together
                }

                continue;
            }

            WriteUtf8(output, span[start..i]);
            if (shortEscape is not null)
            {
                WriteAscii(output, shortEscape);
            }
            else
            {
                var escape = output.GetSpan(6);
                escape[0] = (byte)'\\';
                escape[1] = (byte)'u';
                escape[2] = Hex[(c >> 12) & 0xF];
                escape[3] = Hex[(c >> 8) & 0xF];
                escape[4] = Hex[(c >> 4) & 0xF];
                escape[5] = Hex[c & 0xF];
                output.Advance(6);
            }

            start = i + 1;
        }

        WriteUtf8(output, span[start..]);
        WriteByte(output, (byte)'"');
    }

    private static bool IsLoneSurrogate(ReadOnlySpan<char> s, int i)
    {
        var c = s[i];
        if (char.IsHighSurrogate(c))
        {
            return i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]);
        }

        if (char.IsLowSurrogate(c))
        {
            return i == 0 || !char.IsHighSurrogate(s[i - 1]);
        }

        return false;
    }

    private static void WriteUtf8(IBufferWriter<byte> output, ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        var written = Encoding.UTF8.GetBytes(chars, span);
        output.Advance(written);
    }

    private static void WriteAscii(IBufferWriter<byte> output, string ascii)
    {
        var span = output.GetSpan(ascii.Length);
        for (var i = 0; i < ascii.Length; i++)
        {
            span[i] = (byte)ascii[i];
        }

        output.Advance(ascii.Length);
    }

    private static void WriteRaw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    private static void WriteByte(IBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }
}
