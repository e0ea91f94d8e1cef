using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol.Msgpack;

/// <summary>
/// Decodes msgpack into a <see cref="JToken"/> the way notepack.io 3.0.1's decoder does (redis-wire §2.1 "Decoder",
/// NP decode.js), without ever throwing on bad input (§12: garbage from Redis must never crash the subscriber).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Every msgpack type is accepted. Integers become <see cref="long"/> (a uint64 above <see cref="long.MaxValue"/>
/// becomes the nearest <see cref="double"/>, as in JS); float32 and float64 become <see cref="double"/>; bin becomes
/// <c>byte[]</c>; str becomes a string (invalid UTF-8 → U+FFFD, as Buffer.toString).</item>
/// <item>Map keys of any type become property names: <c>String(key)</c> in JS terms (integers in decimal, arrays
/// joined with commas, maps <c>[object Object]</c>, bin as its UTF-8 text, Dates as <c>Date.prototype.toString</c>
/// in UTC). A repeated key keeps its first position and its last value. A <c>__proto__</c> key never becomes an own
/// property in JS (the assignment hits the prototype setter), so it is dropped. Keys keep wire order (JS would list
/// integer-like keys first; JsJson keeps text order too).</item>
/// <item>Timestamp extension −1 (<c>d6 ff</c>, <c>d7 ff</c>, <c>c7 xx ff</c> — notepack reads 12 bytes for the
/// latter whatever its declared length) → a UTC <see cref="DateTime"/> at millisecond precision, computed with JS's
/// double arithmetic and TimeClip (see <see cref="JsDate.ToToken"/> for Dates DateTime cannot hold).</item>
/// <item>notepack 2.x legacy extension type 0 (§2.1): <c>d4 00 xx</c> → <see cref="JTokenType.Undefined"/>,
/// <c>d7 00</c> + int64 milliseconds → Date, ext8/16/32 type 0 → bytes (an ArrayBuffer in JS). Any other
/// extension → the array <c>[type, bytes]</c> (cap <c>robustness-classic-redis4/R10</c>).</item>
/// <item>Bytes after the first value are an error (<c>N trailing bytes</c>, notepack's message, §13 R04/R13), as are
/// truncated input, empty input, the never-used prefix <c>c1</c> and nesting deeper than <see cref="MaxDepth"/>.</item>
/// </list>
/// </remarks>
internal static class NotepackReader
{
    /// <summary>Deepest nesting of arrays and maps accepted (Node would overflow its stack much deeper; this keeps the recursion safe).</summary>
    public const int MaxDepth = 512;

    /// <summary>Decodes exactly one msgpack value filling all of <paramref name="data"/>.</summary>
    /// <param name="data">The payload.</param>
    /// <param name="value">The decoded value, or null on failure.</param>
    /// <param name="error">Why decoding failed, or null on success.</param>
    /// <returns>False when the payload is not one valid msgpack value; never throws for bad input.</returns>
    public static bool TryDecode(ReadOnlyMemory<byte> data, out JToken? value, out string? error)
    {
        var parser = new Parser(data.Span);
        if (!parser.TryParse(out var token, keyMode: false))
        {
            value = null;
            error = parser.Error;
            return false;
        }

        // NP decode.js 285-292: bytes left after the first value throw "<n> trailing bytes".
        if (parser.Remaining != 0)
        {
            value = null;
            error = string.Create(CultureInfo.InvariantCulture, $"{parser.Remaining} trailing bytes");
            return false;
        }

        value = token;
        error = null;
        return true;
    }

    /// <summary>
    /// <c>String(key)</c> for a decoded map key (NP decode.js 20-29: <c>value[key] = …</c> converts the key with
    /// ToPropertyKey). <paramref name="topLevel"/> is false for array elements, where Array.prototype.join turns
    /// null and undefined into the empty string.
    /// </summary>
    private static string ToKeyString(JToken token, bool topLevel)
    {
        switch (token.Type)
        {
            case JTokenType.String:
                return (string?)((JValue)token).Value ?? string.Empty;
            case JTokenType.Integer:
                var l = (long)((JValue)token).Value!;
                return l is >= -(1L << 53) and <= 1L << 53
                    ? l.ToString(CultureInfo.InvariantCulture)
                    : NumberToString((double)l); // JS holds the nearest double
            case JTokenType.Float:
                return NumberToString((double)((JValue)token).Value!);
            case JTokenType.Boolean:
                return (bool)((JValue)token).Value! ? "true" : "false";
            case JTokenType.Null:
                return topLevel ? "null" : string.Empty;
            case JTokenType.Undefined:
                return topLevel ? "undefined" : string.Empty;
            case JTokenType.Bytes:
                return Encoding.UTF8.GetString((byte[])((JValue)token).Value!); // Buffer.prototype.toString()
            case JTokenType.Date:
                var date = (DateTime)((JValue)token).Value!;
                return JsDate.ToDateString((date - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond);
            case JTokenType.Array:
                var parts = new List<string>();
                foreach (var item in (JArray)token)
                {
                    parts.Add(ToKeyString(item, topLevel: false));
                }

                return string.Join(',', parts);
            default:
                return "[object Object]";
        }
    }

    /// <summary>JS <c>Number.prototype.toString()</c>.</summary>
    private static string NumberToString(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        // JSON.stringify writes finite numbers exactly as Number.prototype.toString.
        return JsJsonWriter.ToJson(new JValue(value));
    }

    /// <summary>Recursive-descent parser over the payload; every read is bounds-checked.</summary>
    private ref struct Parser
    {
        private readonly ReadOnlySpan<byte> data;
        private int position;
        private int depth;

        public Parser(ReadOnlySpan<byte> data)
        {
            this.data = data;
        }

        public string? Error { get; private set; }

        public readonly int Remaining => data.Length - position;

        /// <summary>Parses one value. In <paramref name="keyMode"/> (inside a map key) values that JS would turn
        /// into a special text (Date, ArrayBuffer) come back as that text, for <see cref="ToKeyString"/>.</summary>
        public bool TryParse(out JToken token, bool keyMode)
        {
            token = JValue.CreateNull();
            if (!Need(1))
            {
                return false;
            }

            var start = position;
            var prefix = data[position++];
            if (prefix < 0xC0)
            {
                if (prefix < 0x80)
                {
                    token = new JValue((long)prefix); // positive fixint
                    return true;
                }

                if (prefix < 0x90)
                {
                    return TryMap(prefix & 0x0F, out token);
                }

                if (prefix < 0xA0)
                {
                    return TryArray(prefix & 0x0F, keyMode, out token);
                }

                return TryStr(prefix & 0x1F, out token);
            }

            if (prefix > 0xDF)
            {
                token = new JValue((long)(sbyte)prefix); // negative fixint
                return true;
            }

            switch (prefix)
            {
                case 0xC0:
                    token = JValue.CreateNull();
                    return true;
                case 0xC2:
                    token = new JValue(false);
                    return true;
                case 0xC3:
                    token = new JValue(true);
                    return true;

                // bin 8/16/32 → Buffer (NP decode.js 100-112)
                case 0xC4:
                    return TryLength(1, out var binLength) && TryBytes(binLength, out token);
                case 0xC5:
                    return TryLength(2, out binLength) && TryBytes(binLength, out token);
                case 0xC6:
                    return TryLength(4, out binLength) && TryBytes(binLength, out token);

                // ext 8/16/32 (NP decode.js 114-149)
                case 0xC7:
                    return TryLength(1, out var extLength) && TryExt(extLength, isExt8: true, keyMode, out token);
                case 0xC8:
                    return TryLength(2, out extLength) && TryExt(extLength, isExt8: false, keyMode, out token);
                case 0xC9:
                    return TryLength(4, out extLength) && TryExt(extLength, isExt8: false, keyMode, out token);

                // float 32/64 (NP decode.js 151-159)
                case 0xCA:
                    if (!Need(4))
                    {
                        return false;
                    }

                    token = new JValue((double)BinaryPrimitives.ReadSingleBigEndian(data.Slice(position, 4)));
                    position += 4;
                    return true;
                case 0xCB:
                    if (!Need(8))
                    {
                        return false;
                    }

                    token = new JValue(BinaryPrimitives.ReadDoubleBigEndian(data.Slice(position, 8)));
                    position += 8;
                    return true;

                // uint 8/16/32/64 (NP decode.js 161-178)
                case 0xCC:
                    return TryUnsigned(1, out token);
                case 0xCD:
                    return TryUnsigned(2, out token);
                case 0xCE:
                    return TryUnsigned(4, out token);
                case 0xCF:
                    return TryUnsigned(8, out token);

                // int 8/16/32/64 (NP decode.js 180-197)
                case 0xD0:
                    return TrySigned(1, out token);
                case 0xD1:
                    return TrySigned(2, out token);
                case 0xD2:
                    return TrySigned(4, out token);
                case 0xD3:
                    return TrySigned(8, out token);

                // fixext 1/2/4/8/16 (NP decode.js 199-245)
                case 0xD4:
                    return TryFixExt(1, keyMode, out token);
                case 0xD5:
                    return TryFixExt(2, keyMode, out token);
                case 0xD6:
                    return TryFixExt(4, keyMode, out token);
                case 0xD7:
                    return TryFixExt(8, keyMode, out token);
                case 0xD8:
                    return TryFixExt(16, keyMode, out token);

                // str 8/16/32 (NP decode.js 247-259)
                case 0xD9:
                    return TryLength(1, out var strLength) && TryStr(strLength, out token);
                case 0xDA:
                    return TryLength(2, out strLength) && TryStr(strLength, out token);
                case 0xDB:
                    return TryLength(4, out strLength) && TryStr(strLength, out token);

                // array 16/32, map 16/32 (NP decode.js 261-279)
                case 0xDC:
                    return TryLength(2, out var count) && TryArray(count, keyMode, out token);
                case 0xDD:
                    return TryLength(4, out count) && TryArray(count, keyMode, out token);
                case 0xDE:
                    return TryLength(2, out count) && TryMap(count, out token);
                case 0xDF:
                    return TryLength(4, out count) && TryMap(count, out token);

                default:
                    // 0xc1 is never used (NP decode.js 282 "Could not parse").
                    return Fail(string.Create(CultureInfo.InvariantCulture, $"Could not parse: prefix 0x{prefix:x2} at offset {start}"));
            }
        }

        private bool Need(long count)
        {
            if (Remaining >= count)
            {
                return true;
            }

            Fail(string.Create(CultureInfo.InvariantCulture, $"Unexpected end of data at offset {position} ({count} more bytes needed, {Remaining} left)"));
            return false;
        }

        private bool Fail(string message)
        {
            Error ??= message;
            return false;
        }

        /// <summary>Reads a big-endian unsigned length of <paramref name="size"/> bytes.</summary>
        private bool TryLength(int size, out long length)
        {
            length = 0;
            if (!Need(size))
            {
                return false;
            }

            var span = data.Slice(position, size);
            length = size switch
            {
                1 => span[0],
                2 => BinaryPrimitives.ReadUInt16BigEndian(span),
                _ => BinaryPrimitives.ReadUInt32BigEndian(span),
            };
            position += size;
            return true;
        }

        private bool TryUnsigned(int size, out JToken token)
        {
            token = JValue.CreateNull();
            if (!Need(size))
            {
                return false;
            }

            var span = data.Slice(position, size);
            var value = size switch
            {
                1 => span[0],
                2 => BinaryPrimitives.ReadUInt16BigEndian(span),
                4 => BinaryPrimitives.ReadUInt32BigEndian(span),
                _ => BinaryPrimitives.ReadUInt64BigEndian(span),
            };
            position += size;

            // JS: hi * 2^32 + lo, a double; above long.MaxValue the nearest double is all a JS peer has anyway.
            token = value <= long.MaxValue ? new JValue((long)value) : new JValue((double)value);
            return true;
        }

        private bool TrySigned(int size, out JToken token)
        {
            token = JValue.CreateNull();
            if (!Need(size))
            {
                return false;
            }

            var span = data.Slice(position, size);
            long value = size switch
            {
                1 => (sbyte)span[0],
                2 => BinaryPrimitives.ReadInt16BigEndian(span),
                4 => BinaryPrimitives.ReadInt32BigEndian(span),
                _ => BinaryPrimitives.ReadInt64BigEndian(span),
            };
            position += size;
            token = new JValue(value);
            return true;
        }

        private bool TryStr(long length, out JToken token)
        {
            token = JValue.CreateNull();
            if (!Need(length))
            {
                return false;
            }

            token = new JValue(Encoding.UTF8.GetString(data.Slice(position, (int)length)));
            position += (int)length;
            return true;
        }

        private bool TryBytes(long length, out JToken token)
        {
            token = JValue.CreateNull();
            if (!TryRaw(length, out var bytes))
            {
                return false;
            }

            token = new JValue(bytes);
            return true;
        }

        private bool TryRaw(long length, out byte[] bytes)
        {
            bytes = [];
            if (!Need(length))
            {
                return false;
            }

            bytes = data.Slice(position, (int)length).ToArray();
            position += (int)length;
            return true;
        }

        private bool TryArray(long count, bool keyMode, out JToken token)
        {
            token = JValue.CreateNull();

            // Every element takes at least one byte: reject impossible counts before allocating anything.
            if (!Need(count) || !Enter())
            {
                return false;
            }

            var array = new JArray();
            for (long i = 0; i < count; i++)
            {
                if (!TryParse(out var item, keyMode))
                {
                    return false;
                }

                array.Add(item);
            }

            depth--;
            token = array;
            return true;
        }

        private bool TryMap(long count, out JToken token)
        {
            token = JValue.CreateNull();
            if (!Need(count * 2) || !Enter())
            {
                return false;
            }

            var obj = new JObject();
            for (long i = 0; i < count; i++)
            {
                if (!TryParse(out var key, keyMode: true) || !TryParse(out var item, keyMode: false))
                {
                    return false;
                }

                var name = ToKeyString(key, topLevel: true);
                if (name == "__proto__")
                {
                    continue; // value["__proto__"] = … sets the prototype; no own property appears
                }

                obj[name] = item; // a repeated key keeps its first position, the last value wins (JS assignment)
            }

            depth--;
            token = obj;
            return true;
        }

        private bool Enter()
        {
            if (++depth > MaxDepth)
            {
                return Fail($"Nesting deeper than {MaxDepth} levels");
            }

            return true;
        }

        /// <summary>ext 8/16/32: type 0 = legacy ArrayBuffer, ext 8 type −1 = timestamp96, else [type, bytes].</summary>
        private bool TryExt(long length, bool isExt8, bool keyMode, out JToken token)
        {
            token = JValue.CreateNull();
            if (!Need(1))
            {
                return false;
            }

            var type = (sbyte)data[position++];
            if (type == 0)
            {
                // notepack 2.x ArrayBuffer (NP decode.js 119-122, 136-139, 145-148). String(arrayBuffer) in a key.
                if (!TryRaw(length, out var buffer))
                {
                    return false;
                }

                token = keyMode ? new JValue("[object ArrayBuffer]") : new JValue(buffer);
                return true;
            }

            if (type == -1 && isExt8)
            {
                // timestamp 96 (NP decode.js 123-130): 12 bytes are read whatever the declared length.
                if (!Need(12))
                {
                    return false;
                }

                var ns = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(position, 4));
                var hi = BinaryPrimitives.ReadInt32BigEndian(data.Slice(position + 4, 4));
                var lo = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(position + 8, 4));
                position += 12;
                token = DateToken((((hi * 4294967296d) + lo) * 1e3) + (ns / 1e6), keyMode);
                return true;
            }

            return TryExtArray(type, length, out token);
        }

        /// <summary>fixext 1/2/4/8/16 with notepack's special cases.</summary>
        private bool TryFixExt(int size, bool keyMode, out JToken token)
        {
            token = JValue.CreateNull();
            if (!Need(1))
            {
                return false;
            }

            var type = (sbyte)data[position++];
            switch (size, type)
            {
                case (1, 0):
                    // notepack 2.x undefined: d4 00 xx (NP decode.js 203-207; the data byte is skipped unread).
                    if (!Need(1))
                    {
                        return false;
                    }

                    position++;
                    token = JValue.CreateUndefined();
                    return true;
                case (4, -1):
                {
                    // timestamp 32 (NP decode.js 216-221)
                    if (!Need(4))
                    {
                        return false;
                    }

                    var seconds = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(position, 4));
                    position += 4;
                    token = DateToken(seconds * 1e3, keyMode);
                    return true;
                }

                case (8, 0):
                {
                    // notepack 2.x Date: int64 milliseconds (NP decode.js 226-232)
                    if (!Need(8))
                    {
                        return false;
                    }

                    var hi = BinaryPrimitives.ReadInt32BigEndian(data.Slice(position, 4));
                    var lo = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(position + 4, 4));
                    position += 8;
                    token = DateToken((hi * 4294967296d) + lo, keyMode);
                    return true;
                }

                case (8, -1):
                {
                    // timestamp 64 (NP decode.js 233-240): 30-bit nanoseconds, 34-bit seconds
                    if (!Need(8))
                    {
                        return false;
                    }

                    var hi = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(position, 4));
                    var lo = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(position + 4, 4));
                    position += 8;
                    var seconds = ((hi & 0x3) * 4294967296d) + lo;
                    token = DateToken((seconds * 1e3) + ((hi >> 2) / 1e6), keyMode);
                    return true;
                }

                default:
                    return TryExtArray(type, size, out token);
            }
        }

        private bool TryExtArray(sbyte type, long length, out JToken token)
        {
            token = JValue.CreateNull();
            if (!TryRaw(length, out var bytes))
            {
                return false;
            }

            token = new JArray(new JValue((long)type), new JValue(bytes));
            return true;
        }

        /// <summary><c>new Date(ms)</c>; in a key, its <c>String()</c> text.</summary>
        private static JToken DateToken(double ms, bool keyMode) =>
            keyMode ? new JValue(JsDate.ToDateString(ms)) : JsDate.ToToken(ms);
    }
}
