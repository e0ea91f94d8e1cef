using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using MessagePack;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol.Msgpack;

/// <summary>
/// Encodes a <see cref="JToken"/> into msgpack exactly as notepack.io 3.0.1 (the codec of
/// <c>@socket.io/redis-adapter</c> 8.3.0) encodes the equivalent JavaScript value (redis-wire §2.1, NP encode.js).
/// </summary>
/// <remarks>
/// <para>
/// Value model: <see cref="JObject"/> = plain object (keys in <see cref="JObject"/> order), <see cref="JArray"/> = Array,
/// integers and floats = JS numbers, <see cref="JTokenType.Bytes"/> = Buffer, <see cref="JTokenType.Date"/> = Date,
/// <see cref="JTokenType.Undefined"/> = <c>undefined</c>.
/// </para>
/// <para>
/// Rules (redis-wire §2.1 and the §12 checklist): integral numbers use the smallest integer form, the unsigned family
/// for every value ≥ 0 (so <c>2.0</c> → <c>02</c> and <c>-0</c> → <c>00</c>); every other number (fraction, NaN,
/// ±Infinity) is float64 <c>cb</c>, never float32; strings use the smallest str header; bytes use bin8/16/32, never str
/// or ext; maps have string keys and drop members whose value is <c>undefined</c>; <c>undefined</c> in an array or at
/// the top level is nil; dates are the timestamp extension −1 with notepack's choice of timestamp32/64/96. The
/// writer never uses LZ4 nor MessagePack-CSharp's "old spec" mode (§12).
/// </para>
/// <para>
/// Deliberate limits: integer-like keys are written in <see cref="JObject"/> order, while a JS object would list
/// them first in ascending order (§2.1 "plain object"); an integral number at or beyond ±2^64 is written with
/// notepack's modulo-2^64 wrap (NP encode.js uint64/int64 branches), exactly as Node would (1e20 →
/// <c>cf 6b c7 5e 2d 63 10 00 00</c>, 1e300 → <c>cf 00…00</c>); every NaN is written as JS's NaN
/// <c>cb 7f f8 00…</c> (.NET's <see cref="double.NaN"/> has the sign bit set).
/// </para>
/// </remarks>
internal static class NotepackWriter
{
    /// <summary>Deepest nesting of arrays and maps the writer accepts (guards the recursion).</summary>
    public const int MaxDepth = 512;

    /// <summary>notepack's MICRO_OPT_LEN: strings up to this many UTF-16 units go through its own UTF-8 writer.</summary>
    private const int MicroOptLength = 32;

    /// <summary>notepack's TIMESTAMP32_MAX_SEC (2^32 − 1).</summary>
    private const long Timestamp32MaxSeconds = 0xFFFF_FFFFL;

    /// <summary>notepack's TIMESTAMP64_MAX_SEC (2^34 − 1).</summary>
    private const long Timestamp64MaxSeconds = 0x3_FFFF_FFFFL;

    /// <summary>2^63 as a double (the first integral double beyond <see cref="long.MaxValue"/>).</summary>
    private const double TwoPow63 = 9223372036854775808.0;

    /// <summary>2^64 as a double (the first integral double beyond <see cref="ulong.MaxValue"/>).</summary>
    private const double TwoPow64 = 18446744073709551616.0;

    /// <summary>float64 NaN as V8 writes it: <c>cb 7f f8 00 00 00 00 00 00</c>.</summary>
    private static readonly byte[] CanonicalNaN = [0xCB, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0];

    /// <summary>Returns the msgpack bytes of <paramref name="value"/> (a null reference is written as nil).</summary>
    public static byte[] Encode(JToken? value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends the msgpack bytes of <paramref name="value"/> to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, JToken? value)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = new MessagePackWriter(output);
        WriteValue(ref writer, value);
        writer.Flush();
    }

    /// <summary>
    /// Writes <paramref name="value"/> as one msgpack value on an existing writer, so that callers can write
    /// explicit headers around it (e.g. the classic broadcast array <c>[uid, packet, opts]</c>, redis-wire §4.3).
    /// The caller flushes the writer.
    /// </summary>
    public static void WriteValue(ref MessagePackWriter writer, JToken? value) => WriteToken(ref writer, value, 0, legacy: false);

    /// <summary>
    /// Writes <paramref name="value"/> as notepack.io 2.2.0 (the codec of <c>socket.io-msgpack-parser</c> 3.0.2) does.
    /// It differs from 3.x in three places only: <c>undefined</c> is the extension <c>d4 00 00</c>, kept as a map
    /// member too; a Date is <c>d7 00</c> and its milliseconds as an int64; map keys are written as any string.
    /// </summary>
    public static void WriteLegacyValue(ref MessagePackWriter writer, JToken? value) => WriteToken(ref writer, value, 0, legacy: true);

    /// <summary>notepack 2.x <c>undefined</c>: fixext 1, type 0, one zero byte.</summary>
    private static ReadOnlySpan<byte> LegacyUndefined => [0xD4, 0x00, 0x00];

    private static void WriteToken(ref MessagePackWriter writer, JToken? token, int depth, bool legacy)
    {
        switch (token?.Type)
        {
            case JTokenType.Undefined when legacy:
                writer.WriteRaw(LegacyUndefined);
                break;
            case null:
            case JTokenType.Null:
            case JTokenType.Undefined: // undefined as an array item or top-level value → nil (NP encode.js 'undefined')
                writer.WriteNil();
                break;
            case JTokenType.Object:
                WriteObject(ref writer, (JObject)token, depth + 1, legacy);
                break;
            case JTokenType.Array:
                WriteArray(ref writer, (JArray)token, depth + 1, legacy);
                break;
            case JTokenType.Property:
                WriteToken(ref writer, ((JProperty)token).Value, depth, legacy);
                break;
            case JTokenType.Boolean:
                writer.Write((bool)((JValue)token).Value!);
                break;
            case JTokenType.Integer:
                WriteInteger(ref writer, ((JValue)token).Value);
                break;
            case JTokenType.Float:
                WriteNumber(ref writer, Convert.ToDouble(((JValue)token).Value, CultureInfo.InvariantCulture));
                break;
            case JTokenType.String:
                WriteString(ref writer, (string?)((JValue)token).Value ?? string.Empty, isKey: false);
                break;
            case JTokenType.Bytes:
                // Buffer → bin8 (< 256), bin16, bin32 (NP encode.js Buffer branch; §12: never str, never ext).
                writer.Write(((byte[]?)((JValue)token).Value ?? []).AsSpan());
                break;
            case JTokenType.Date when legacy:
                WriteLegacyDate(ref writer, ((JValue)token).Value);
                break;
            case JTokenType.Date:
                WriteDate(ref writer, ((JValue)token).Value);
                break;
            case JTokenType.Guid:
            case JTokenType.Uri:
            case JTokenType.TimeSpan:
                // No JS counterpart: written as the string JsJson writes for them.
                WriteString(ref writer, Convert.ToString(((JValue)token).Value, CultureInfo.InvariantCulture) ?? string.Empty, isKey: false);
                break;
            default:
                // Comment, Raw, Constructor, None: no JS value; nil like JsJson's null.
                writer.WriteNil();
                break;
        }
    }

    private static void WriteObject(ref MessagePackWriter writer, JObject obj, int depth, bool legacy)
    {
        CheckDepth(depth);

        // Members whose value is undefined are omitted (NP encode.js plain-object branch; cap classic-redis4/07 "u");
        // notepack 2.x keeps them (its encode.js filters functions only).
        var count = 0;
        foreach (var property in obj.Properties())
        {
            if (legacy || property.Value.Type != JTokenType.Undefined)
            {
                count++;
            }
        }

        writer.WriteMapHeader(count); // fixmap (< 16), map16, map32
        foreach (var property in obj.Properties())
        {
            if (!legacy && property.Value.Type == JTokenType.Undefined)
            {
                continue;
            }

            WriteString(ref writer, property.Name, isKey: !legacy);
            WriteToken(ref writer, property.Value, depth, legacy);
        }
    }

    private static void WriteArray(ref MessagePackWriter writer, JArray array, int depth, bool legacy)
    {
        CheckDepth(depth);
        writer.WriteArrayHeader(array.Count); // fixarray (< 16), array16, array32
        foreach (var item in array)
        {
            WriteToken(ref writer, item, depth, legacy);
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"The value nests arrays/objects deeper than {MaxDepth} levels.");
        }
    }

    private static void WriteInteger(ref MessagePackWriter writer, object? value)
    {
        switch (value)
        {
            case long l:
                writer.Write(l); // smallest form, unsigned family for ≥ 0 (§12, measured)
                break;
            case ulong u:
                writer.Write(u);
                break;
            case BigInteger big when big >= long.MinValue && big <= long.MaxValue:
                writer.Write((long)big);
                break;
            case BigInteger big when big > long.MaxValue && big <= ulong.MaxValue:
                writer.Write((ulong)big);
                break;
            case BigInteger big:
                // Beyond 64 bits a JS number is the nearest double.
                WriteNumber(ref writer, (double)big);
                break;
            case null:
                writer.WriteNil();
                break;
            default:
                // int, short, byte, sbyte, ushort, uint, char, …
                writer.Write(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>A JS number (NP encode.js 'number' branch).</summary>
    private static void WriteNumber(ref MessagePackWriter writer, double value)
    {
        if (double.IsNaN(value))
        {
            // JS writes its one NaN, 7ff8000000000000 (cap classic-redis4/07 "nan"); .NET's double.NaN has the sign
            // bit set (fff8…) and other NaN payloads exist, so the bits are written explicitly.
            writer.WriteRaw(CanonicalNaN);
            return;
        }

        if (double.IsInfinity(value) || Math.Floor(value) != value)
        {
            // Fraction, ±Infinity → float64 (never float32).
            writer.Write(value);
            return;
        }

        if (value >= 0)
        {
            // -0 lands here too (-0 >= 0 in JS) and is written as fixint 00.
            if (value < TwoPow64)
            {
                writer.Write((ulong)value);
            }
            else
            {
                // notepack: hi = (value / 2^32) >> 0, lo = value >>> 0 — both wrap modulo 2^32, so the uint64
                // written is value mod 2^64.
                writer.WriteUInt64(WrapModulo2Pow64(value));
            }

            return;
        }

        if (value >= -TwoPow63)
        {
            writer.Write((long)value);
        }
        else
        {
            // notepack: hi = Math.floor(value / 2^32), lo = value >>> 0, bytes taken modulo 256 — value mod 2^64.
            writer.WriteInt64(unchecked((long)WrapModulo2Pow64(value)));
        }
    }

    private static ulong WrapModulo2Pow64(double integralValue)
    {
        var wrapped = new BigInteger(integralValue) & ulong.MaxValue; // two's complement AND = mod 2^64
        return (ulong)wrapped;
    }

    /// <summary>
    /// A Date as the timestamp extension −1 (NP encode.js Date branch): whole seconds in [0, 2^32) → timestamp32
    /// <c>d6 ff</c>; seconds in [0, 2^34) → timestamp64 <c>d7 ff</c>; anything else (before 1970, after 2514) →
    /// timestamp96 <c>c7 0c ff</c>. A JS Date has millisecond precision, so the value is first truncated to the
    /// millisecond (toward the past, as the ISO text JsJson writes).
    /// </summary>
    private static void WriteDate(ref MessagePackWriter writer, object? value)
    {
        var ms = UnixMilliseconds(value);
        var s = Math.DivRem(ms, 1000, out var msRest);
        if (msRest < 0)
        {
            s--;
            msRest += 1000;
        }

        var ns = (uint)(msRest * 1_000_000);
        if (s >= 0 && s <= Timestamp64MaxSeconds)
        {
            if (ns == 0 && s <= Timestamp32MaxSeconds)
            {
                writer.WriteExtensionFormatHeader(new ExtensionHeader(-1, 4)); // d6 ff
                WriteUInt32BigEndian(ref writer, (uint)s);
            }
            else
            {
                writer.WriteExtensionFormatHeader(new ExtensionHeader(-1, 8)); // d7 ff
                WriteUInt64BigEndian(ref writer, ((ulong)ns << 34) | (ulong)s);
            }

            return;
        }

        writer.WriteExtensionFormatHeader(new ExtensionHeader(-1, 12)); // c7 0c ff
        WriteUInt32BigEndian(ref writer, ns);
        WriteUInt64BigEndian(ref writer, unchecked((ulong)s));
    }

    /// <summary>A Date's getTime(): UTC milliseconds since 1970, truncated toward the past.</summary>
    private static long UnixMilliseconds(object? value)
    {
        var utcTicks = value switch
        {
            DateTime { Kind: DateTimeKind.Local } local => local.ToUniversalTime().Ticks,
            DateTime dt => dt.Ticks, // Utc, and Unspecified taken as UTC (the value model's dates are UTC)
            DateTimeOffset dto => dto.UtcTicks,
            _ => throw new InvalidOperationException($"A Date token holds a {value?.GetType().Name ?? "null"}."),
        };

        var ms = Math.DivRem(utcTicks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerMillisecond, out var rest);
        if (rest < 0)
        {
            ms--; // floor
        }

        return ms;
    }

    /// <summary>notepack 2.x Date (NP 2.2 encode.js "fixext 8 / Date"): <c>d7 00</c>, then getTime() as a big-endian int64.</summary>
    private static void WriteLegacyDate(ref MessagePackWriter writer, object? value)
    {
        writer.WriteExtensionFormatHeader(new ExtensionHeader(0, 8)); // d7 00
        WriteUInt64BigEndian(ref writer, unchecked((ulong)UnixMilliseconds(value)));
    }

    private static void WriteUInt32BigEndian(ref MessagePackWriter writer, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    private static void WriteUInt64BigEndian(ref MessagePackWriter writer, ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    /// <summary>
    /// A string as notepack writes it (NP encode.js 'string' branch and encodeKey): fixstr (&lt; 32 bytes), str8,
    /// str16, str32 over the UTF-8 bytes.
    /// </summary>
    /// <remarks>
    /// Well-formed strings give standard UTF-8 on every path. Lone surrogates differ: notepack's own short-string
    /// UTF-8 writer (values of at most 32 UTF-16 units whose byte length is at most 32; every key of at most 32
    /// units) treats any surrogate as the first half of a pair and swallows the next unit, while Node's Buffer
    /// writes U+FFFD. Both are reproduced. Where notepack mixes the two (a short value whose byte length is
    /// over 32, a long key) its output is corrupt; U+FFFD is written there.
    /// </remarks>
    private static void WriteString(ref MessagePackWriter writer, string value, bool isKey)
    {
        if (value.Length <= MicroOptLength && HasSurrogate(value))
        {
            var quirkyLength = NotepackUtf8Length(value);
            if (isKey || quirkyLength <= MicroOptLength)
            {
                writer.WriteStringHeader(quirkyLength);
                NotepackUtf8Write(value, writer.GetSpan(quirkyLength));
                writer.Advance(quirkyLength);
                return;
            }
        }

        var byteCount = Encoding.UTF8.GetByteCount(value); // lone surrogates → EF BF BD, as Buffer.byteLength/write
        writer.WriteStringHeader(byteCount); // fixstr (< 32), str8, str16, str32
        Encoding.UTF8.GetBytes(value, writer.GetSpan(byteCount));
        writer.Advance(byteCount);
    }

    private static bool HasSurrogate(string value)
    {
        foreach (var c in value)
        {
            if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>notepack's utf8Length: any surrogate counts as a 4-byte pair with the unit after it.</summary>
    private static int NotepackUtf8Length(string value)
    {
        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < 0x80)
            {
                length += 1;
            }
            else if (c < 0x800)
            {
                length += 2;
            }
            else if (c < 0xD800 || c >= 0xE000)
            {
                length += 3;
            }
            else
            {
                i++;
                length += 4;
            }
        }

        return length;
    }

    /// <summary>notepack's utf8Write (a unit past the end reads as NaN in JS, i.e. 0 after <c>&amp; 0x3ff</c>).</summary>
    private static void NotepackUtf8Write(string value, Span<byte> output)
    {
        var offset = 0;
        for (var i = 0; i < value.Length; i++)
        {
            int c = value[i];
            if (c < 0x80)
            {
                output[offset++] = (byte)c;
            }
            else if (c < 0x800)
            {
                output[offset++] = (byte)(0xC0 | (c >> 6));
                output[offset++] = (byte)(0x80 | (c & 0x3F));
            }
            else if (c < 0xD800 || c >= 0xE000)
            {
                output[offset++] = (byte)(0xE0 | (c >> 12));
                output[offset++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                output[offset++] = (byte)(0x80 | (c & 0x3F));
            }
            else
            {
                i++;
                var next = i < value.Length ? value[i] & 0x3FF : 0;
                c = 0x10000 + (((c & 0x3FF) << 10) | next);
                output[offset++] = (byte)(0xF0 | (c >> 18));
                output[offset++] = (byte)(0x80 | ((c >> 12) & 0x3F));
                output[offset++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                output[offset++] = (byte)(0x80 | (c & 0x3F));
            }
        }
    }
}
