using System.Buffers;
using System.Numerics;
using System.Text;
using MessagePack;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Redis.Codec;
using SocketIo.Server.Protocol.Msgpack;

namespace SocketIo.Tests.Redis;

/// <summary>
/// NotepackWriter / NotepackReader edge values (redis-wire §2.1, §12, §13). Expected bytes were produced with
/// notepack.io 3.0.1 itself (<c>require("notepack.io/lib/encode.js")(value).toString("hex")</c>) wherever a JS
/// value corresponds.
/// </summary>
[TestFixture]
public sealed class NotepackCodecTests
{
    private static readonly string[] TwoEncodings = ["02", "cc02", "cd0002", "ce00000002", "cf0000000000000002", "d002", "d10002", "d200000002", "d30000000000000002"];

    private static readonly string[] MinusTwoEncodings = ["fe", "d0fe", "d1fffe", "d2fffffffe", "d3fffffffffffffffe"];

    private static string Hex(JToken? value) => Convert.ToHexStringLower(NotepackWriter.Encode(value));

    private static JToken Decode(string hex)
    {
        var ok = NotepackReader.TryDecode(Convert.FromHexString(hex), out var value, out var error);
        Assert.That(ok, Is.True, $"decoding {hex} failed: {error}");
        Assert.That(error, Is.Null);
        return value!;
    }

    private static string Utf8Hex(string s) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(s));

    // ---- integers: every width boundary, unsigned family for >= 0 (§2.1, §12) ----

    [TestCase(0L, "00")]
    [TestCase(1L, "01")]
    [TestCase(127L, "7f")]
    [TestCase(128L, "cc80")]
    [TestCase(255L, "ccff")]
    [TestCase(256L, "cd0100")]
    [TestCase(65535L, "cdffff")]
    [TestCase(65536L, "ce00010000")]
    [TestCase(4294967295L, "ceffffffff")]
    [TestCase(4294967296L, "cf0000000100000000")]
    [TestCase(9007199254740991L, "cf001fffffffffffff")]
    [TestCase(long.MaxValue, "cf7fffffffffffffff")]
    [TestCase(-1L, "ff")]
    [TestCase(-32L, "e0")]
    [TestCase(-33L, "d0df")]
    [TestCase(-128L, "d080")]
    [TestCase(-129L, "d1ff7f")]
    [TestCase(-32768L, "d18000")]
    [TestCase(-32769L, "d2ffff7fff")]
    [TestCase(-2147483648L, "d280000000")]
    [TestCase(-2147483649L, "d3ffffffff7fffffff")]
    [TestCase(-1099511627776L, "d3ffffff0000000000")]
    [TestCase(long.MinValue, "d38000000000000000")]
    public void Integer_UsesSmallestForm(long value, string hex)
    {
        Assert.That(Hex(new JValue(value)), Is.EqualTo(hex));

        // Same bytes for the same number held as an integral double (JS has only doubles: 2.0 === 2).
        if (Math.Abs((double)value) < 9007199254740992d)
        {
            Assert.That(Hex(new JValue((double)value)), Is.EqualTo(hex), "as a double");
        }

        // And MessagePack-CSharp's Write(long) agrees (§12 measured it).
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(value);
        writer.Flush();
        Assert.That(Convert.ToHexStringLower(buffer.WrittenSpan), Is.EqualTo(hex), "MessagePackWriter.Write(long)");

        var decoded = Decode(hex);
        Assert.That(decoded.Type, Is.EqualTo(JTokenType.Integer));
        Assert.That(((JValue)decoded).Value, Is.EqualTo(value).And.TypeOf<long>());
    }

    [Test]
    public void Integer_OtherClrTypes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Hex(new JValue(200)), Is.EqualTo("ccc8"), "int");
            Assert.That(Hex(new JValue((ulong)long.MaxValue + 1)), Is.EqualTo("cf8000000000000000"), "ulong 2^63");
            Assert.That(Hex(new JValue(ulong.MaxValue)), Is.EqualTo("cfffffffffffffffff"), "ulong max");
            Assert.That(Hex(new JValue(new BigInteger(300))), Is.EqualTo("cd012c"), "BigInteger in range");
            Assert.That(Hex(new JValue(BigInteger.Pow(2, 64) * 3)), Is.EqualTo("cf0000000000000000"), "BigInteger beyond 64 bits = nearest double, notepack wrap");
            Assert.That(Hex(new JValue(2.5m)), Is.EqualTo("cb4004000000000000"), "decimal");
            Assert.That(Hex(new JValue(2.5f)), Is.EqualTo("cb4004000000000000"), "float → float64, never float32");
        });
    }

    [TestCase(9223372036854775808d, "cf8000000000000000", TestName = "Double_2pow63")]
    [TestCase(9007199254740992d, "cf0020000000000000", TestName = "Double_2pow53")]
    [TestCase(-9223372036854775808d, "d38000000000000000", TestName = "Double_minus2pow63")]
    [TestCase(18446744073709551616d, "cf0000000000000000", TestName = "Double_2pow64_WrapsLikeNotepack")]
    [TestCase(1e20, "cf6bc75e2d63100000", TestName = "Double_1e20_WrapsLikeNotepack")]
    [TestCase(1e300, "cf0000000000000000", TestName = "Double_1e300_WrapsLikeNotepack")]
    [TestCase(-18446744073709551616d, "d30000000000000000", TestName = "Double_minus2pow64_WrapsLikeNotepack")]
    [TestCase(-1e20, "d39438a1d29cf00000", TestName = "Double_minus1e20_WrapsLikeNotepack")]
    public void IntegralDouble_BeyondInt64_IsWrittenAsNotepackDoes(double value, string hex)
    {
        // notepack's uint64/int64 branches take hi/lo modulo 2^32: an integral double ≥ 2^64 (or < -2^63) is sent as
        // value mod 2^64 — lossy, but what Node puts on the wire (values checked with notepack.io 3.0.1).
        Assert.That(Hex(new JValue(value)), Is.EqualTo(hex));
    }

    // ---- floats (§2.1: float64 only, integral doubles as integers) ----

    [TestCase(2.0, "02")]
    [TestCase(-0.0, "00")]
    [TestCase(2.5, "cb4004000000000000")]
    [TestCase(1.5, "cb3ff8000000000000")]
    [TestCase(-1.5, "cbbff8000000000000")]
    [TestCase(0.1, "cb3fb999999999999a")]
    [TestCase(double.NaN, "cb7ff8000000000000")]
    [TestCase(double.PositiveInfinity, "cb7ff0000000000000")]
    [TestCase(double.NegativeInfinity, "cbfff0000000000000")]
    [TestCase(double.Epsilon, "cb0000000000000001")]
    public void Double_IsFloat64UnlessIntegral(double value, string hex)
    {
        Assert.That(Hex(new JValue(value)), Is.EqualTo(hex));
        var decoded = Decode(hex);
        Assert.That(Convert.ToDouble(((JValue)decoded).Value, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(value == 0 ? 0 : value));
    }

    [Test]
    public void Double_EveryNaN_IsWrittenAsJsNaN()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Hex(new JValue(BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8000000000000)))), Is.EqualTo("cb7ff8000000000000"), ".NET double.NaN bits");
            Assert.That(Hex(new JValue(BitConverter.Int64BitsToDouble(0x7FF0000000000001))), Is.EqualTo("cb7ff8000000000000"), "signalling NaN");
            Assert.That(Hex(Decode("cbfff8000000000001")), Is.EqualTo("cb7ff8000000000000"), "decoded NaN payload");
            Assert.That(double.IsNaN((double)((JValue)Decode("ca7fc00000")).Value!), Is.True, "float32 NaN");
        });
    }

    [Test]
    public void Reader_Float32_BecomesDouble()
    {
        var decoded = Decode("ca40200000");
        Assert.That(((JValue)decoded).Value, Is.EqualTo(2.5d).And.TypeOf<double>());
        Assert.That(Hex(decoded), Is.EqualTo("cb4004000000000000"), "written back as float64");
    }

    [Test]
    public void Reader_Uint64AboveInt64_IsTheNearestDouble()
    {
        var decoded = Decode("cfffffffffffffffff");
        Assert.That(((JValue)decoded).Value, Is.EqualTo(18446744073709551616d).And.TypeOf<double>());
        Assert.That(((JValue)Decode("cf8000000000000000")).Value, Is.EqualTo(9223372036854775808d).And.TypeOf<double>());
        Assert.That(((JValue)Decode("cf7fffffffffffffff")).Value, Is.EqualTo(long.MaxValue).And.TypeOf<long>());
    }

    [Test]
    public void Reader_NonMinimalIntegers_DecodeToTheSameValue()
    {
        Assert.Multiple(() =>
        {
            foreach (var hex in TwoEncodings)
            {
                Assert.That(((JValue)Decode(hex)).Value, Is.EqualTo(2L), hex);
            }

            foreach (var hex in MinusTwoEncodings)
            {
                Assert.That(((JValue)Decode(hex)).Value, Is.EqualTo(-2L), hex);
            }
        });
    }

    // ---- strings (fixstr < 32 bytes, then str8/16/32) ----

    [TestCase(0, "a0")]
    [TestCase(31, "bf")]
    [TestCase(32, "d920")]
    [TestCase(255, "d9ff")]
    [TestCase(256, "da0100")]
    [TestCase(65535, "daffff")]
    [TestCase(65536, "db00010000")]
    public void String_HeaderBySize(int length, string header)
    {
        var s = new string('x', length);
        var bytes = NotepackWriter.Encode(new JValue(s));
        Assert.That(Convert.ToHexStringLower(bytes.AsSpan(0, header.Length / 2)), Is.EqualTo(header));
        Assert.That(bytes, Has.Length.EqualTo((header.Length / 2) + length));
        Assert.That((string?)Decode(Convert.ToHexStringLower(bytes)), Is.EqualTo(s));
    }

    [Test]
    public void String_LengthCountsUtf8Bytes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Hex(new JValue(new string('é', 15) + "x")), Does.StartWith("bf"), "31 bytes");
            Assert.That(Hex(new JValue(new string('é', 16))), Is.EqualTo("d920" + Utf8Hex(new string('é', 16))), "32 bytes (notepack: same)");
            Assert.That(Hex(new JValue("hé€😀")), Is.EqualTo("aa68c3a9e282acf09f9880"), "cap classic-redis4/07 utf8");
            Assert.That(Hex(new JValue("a😀b")), Is.EqualTo("a661f09f988062"));
            Assert.That(Hex(JValue.CreateString(null)), Is.EqualTo("a0"), "a null string is written as JsJson does: empty");
        });
    }

    [Test]
    public void String_LoneSurrogates_AsNotepack()
    {
        Assert.Multiple(() =>
        {
            // notepack's short-string UTF-8 writer pairs any surrogate with the next unit (values from notepack.io 3.0.1).
            Assert.That(Hex(new JValue("\ud800")), Is.EqualTo("a4f0908080"));
            Assert.That(Hex(new JValue("a\ud800b")), Is.EqualTo("a561f09081a2"));
            Assert.That(Hex(new JValue("\udc00x")), Is.EqualTo("a4f09081b8"));
            Assert.That(Hex(new JObject { ["\ud800k"] = 1 }), Is.EqualTo("81a4f09081ab01"), "key");

            // Over 32 UTF-16 units Node's Buffer writes U+FFFD.
            Assert.That(Hex(new JValue("\ud800" + new string('x', 40))), Is.EqualTo("d92befbfbd" + Utf8Hex(new string('x', 40))));
        });
    }

    [Test]
    public void Reader_InvalidUtf8_BecomesReplacementCharacter()
    {
        Assert.That((string?)Decode("a361ff62"), Is.EqualTo("a\ufffdb"));
    }

    // ---- arrays and maps (fix < 16, then 16/32) ----

    [TestCase(0, "90")]
    [TestCase(15, "9f")]
    [TestCase(16, "dc0010")]
    [TestCase(65535, "dcffff")]
    [TestCase(65536, "dd00010000")]
    public void Array_HeaderBySize(int count, string header)
    {
        var array = new JArray(Enumerable.Range(0, count).Select(_ => new JValue(1L)));
        var bytes = NotepackWriter.Encode(array);
        Assert.That(Convert.ToHexStringLower(bytes.AsSpan(0, header.Length / 2)), Is.EqualTo(header));
        Assert.That(bytes, Has.Length.EqualTo((header.Length / 2) + count));
        Assert.That(((JArray)Decode(Convert.ToHexStringLower(bytes))).Count, Is.EqualTo(count));
    }

    [TestCase(0, "80")]
    [TestCase(15, "8f")]
    [TestCase(16, "de0010")]
    [TestCase(17, "de0011")]
    [TestCase(65536, "df00010000")]
    public void Map_HeaderBySize(int count, string header)
    {
        var obj = new JObject();
        for (var i = 0; i < count; i++)
        {
            obj["k" + i] = i;
        }

        var bytes = NotepackWriter.Encode(obj);
        Assert.That(Convert.ToHexStringLower(bytes.AsSpan(0, header.Length / 2)), Is.EqualTo(header));
        var decoded = (JObject)Decode(Convert.ToHexStringLower(bytes));
        Assert.That(JsValueComparer.FirstDifference(obj, decoded), Is.Null);
    }

    [Test]
    public void Map_KeysInOrder_UndefinedMembersOmitted()
    {
        var obj = new JObject
        {
            ["b"] = 1,
            ["u"] = JValue.CreateUndefined(),
            ["a"] = new JArray(1, JValue.CreateUndefined(), JValue.CreateNull()),
            ["t"] = true,
            ["f"] = false,
        };
        Assert.That(Hex(obj), Is.EqualTo("84a16201a1619301c0c0a174c3a166c2"));
        Assert.That(Hex(JValue.CreateUndefined()), Is.EqualTo("c0"), "top-level undefined");
        Assert.That(Hex(null), Is.EqualTo("c0"));
        Assert.That(Hex(JValue.CreateNull()), Is.EqualTo("c0"));
    }

    [Test]
    public void Map_FifteenDefinedMembersOfSixteen_IsFixmap()
    {
        var obj = new JObject();
        for (var i = 0; i < 15; i++)
        {
            obj["k" + i] = i;
        }

        obj["u"] = JValue.CreateUndefined();
        Assert.That(Hex(obj), Does.StartWith("8f"));
    }

    // ---- binary (bin8/16/32; never str, never ext) ----

    [TestCase(0, "c400")]
    [TestCase(255, "c4ff")]
    [TestCase(256, "c50100")]
    [TestCase(300, "c5012c")]
    [TestCase(65535, "c5ffff")]
    [TestCase(65536, "c600010000")]
    public void Binary_HeaderBySize(int length, string header)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        var bytes = NotepackWriter.Encode(new JValue(data));
        Assert.That(Convert.ToHexStringLower(bytes.AsSpan(0, header.Length / 2)), Is.EqualTo(header));
        Assert.That(bytes.AsSpan(header.Length / 2).ToArray(), Is.EqualTo(data));
        var decoded = Decode(Convert.ToHexStringLower(bytes));
        Assert.That(decoded.Type, Is.EqualTo(JTokenType.Bytes));
        Assert.That((byte[])((JValue)decoded).Value!, Is.EqualTo(data));
    }

    [Test]
    public void Binary_Nested()
    {
        // cap classic-redis4/06 shape: {nested: <3 bytes>} inside the data array.
        var value = new JArray("bin", new JValue(new byte[] { 0xde, 0xad, 0xbe, 0xef }), new JObject { ["nested"] = new JValue(new byte[] { 1, 2, 3 }) });
        Assert.That(Hex(value), Is.EqualTo("93a362696ec404deadbeef81a66e6573746564c403010203"));
        Assert.That(ClusterPayload.ContainsBinary(value), Is.True);
        Assert.That(JsValueComparer.FirstDifference(value, Decode(Hex(value))), Is.Null);
    }

    // ---- dates (timestamp ext -1; notepack's 32/64/96 choice) ----

    [TestCase("2024-01-02T03:04:05.678Z", "d7ffa1a5d60065937d25", TestName = "Date_CapturedTimestamp64")]
    [TestCase("1970-01-01T00:00:00.000Z", "d6ff00000000", TestName = "Date_Epoch_Timestamp32")]
    [TestCase("1970-01-01T00:00:00.001Z", "d7ff003d090000000000", TestName = "Date_OneMs_Timestamp64")]
    [TestCase("2106-02-07T06:28:15.000Z", "d6ffffffffff", TestName = "Date_Last32BitSecond_Timestamp32")]
    [TestCase("2106-02-07T06:28:16.000Z", "d7ff0000000100000000", TestName = "Date_First33BitSecond_Timestamp64")]
    [TestCase("2514-05-30T01:53:04.000Z", "c70cff000000000000000400000000", TestName = "Date_2pow34Seconds_Timestamp96")]
    [TestCase("1969-12-31T23:59:59.999Z", "c70cff3b8b87c0ffffffffffffffff", TestName = "Date_BeforeEpoch_Timestamp96")]
    [TestCase("1900-06-15T12:34:56.789Z", "c70cff2f072f40ffffffff7d2fb9f0", TestName = "Date_1900_Timestamp96")]
    [TestCase("0001-01-01T00:00:00.000Z", "c70cff00000000fffffff1886e0900", TestName = "Date_Year1_Timestamp96")]
    [TestCase("9999-12-31T23:59:59.999Z", "c70cff3b8b87c00000003afff4417f", TestName = "Date_Year9999_Timestamp96")]
    public void Date_AsNotepack(string iso, string hex)
    {
        var date = DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.That(date.Kind, Is.EqualTo(DateTimeKind.Utc));
        Assert.That(Hex(new JValue(date)), Is.EqualTo(hex));

        // MessagePack-CSharp's DateTime writer gives the same bytes (§12 measured it for the captured Date).
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(date);
        writer.Flush();
        Assert.That(Convert.ToHexStringLower(buffer.WrittenSpan), Is.EqualTo(hex), "MessagePackWriter.Write(DateTime)");

        var decoded = Decode(hex);
        Assert.That(decoded.Type, Is.EqualTo(JTokenType.Date));
        Assert.That(((DateTime)((JValue)decoded).Value!).Kind, Is.EqualTo(DateTimeKind.Utc));
        Assert.That((DateTime)((JValue)decoded).Value!, Is.EqualTo(date));
    }

    [Test]
    public void Date_SubMillisecondTicks_AreTruncatedLikeAJsDate()
    {
        var precise = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(6789999); // .6789999
        Assert.That(Hex(new JValue(precise)), Is.EqualTo("d7ffa1a5d60065937d25"), "same as .678");

        var beforeEpoch = DateTime.UnixEpoch.AddTicks(-1); // 1969-12-31T23:59:59.9999999 → .999 (floor)
        Assert.That(Hex(new JValue(beforeEpoch)), Is.EqualTo("c70cff3b8b87c0ffffffffffffffff"));
    }

    [Test]
    public void Date_LocalKindAndOffset_AreTheSameInstant()
    {
        var utc = new DateTime(2024, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        Assert.Multiple(() =>
        {
            Assert.That(Hex(new JValue(utc.ToLocalTime())), Is.EqualTo("d7ffa1a5d60065937d25"), "Local kind");
            Assert.That(Hex(new JValue(new DateTimeOffset(utc).ToOffset(TimeSpan.FromHours(5.5)))), Is.EqualTo("d7ffa1a5d60065937d25"), "DateTimeOffset");
            Assert.That(Hex(new JValue(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified))), Is.EqualTo("d7ffa1a5d60065937d25"), "Unspecified = UTC");
        });
    }

    [Test]
    public void Reader_Dates_FollowJsArithmetic()
    {
        static string Iso(JToken t) => ((DateTime)((JValue)t).Value!).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Multiple(() =>
        {
            Assert.That(Iso(Decode("d6ff00000001")), Is.EqualTo("1970-01-01T00:00:01.000Z"), "timestamp32");
            Assert.That(Iso(Decode("d7ff0000000400000000")), Is.EqualTo("1970-01-01T00:00:00.000Z"), "1 ns truncated");

            // 999999999 ns: s*1e3 + 999.999999 rounds up in double arithmetic, as in Node (checked with notepack).
            Assert.That(Iso(Decode("d7ffee6b27fc65937d25")), Is.EqualTo("2024-01-02T03:04:06.000Z"));

            // An out-of-spec nanosecond count (> 999999999) is still added, as notepack does.
            Assert.That(Iso(Decode("d7fffffffffc65964465")), Is.EqualTo("2024-01-04T05:38:46.073Z"));
            Assert.That(Iso(Decode("c70cff00000000fffffffe00000000")), Is.EqualTo("1697-10-17T11:03:28.000Z"), "timestamp96 negative");

            // notepack 2.x legacy Date: d7 00 + int64 ms.
            Assert.That(Iso(Decode("d700000000000000000a")), Is.EqualTo("1970-01-01T00:00:00.010Z"));
            Assert.That(Iso(Decode("d70000000000ffffffff")), Is.EqualTo("1970-02-19T17:02:47.295Z"));
        });
    }

    [Test]
    public void Reader_DatesOutsideDateTime_BecomeIsoTextOrNull()
    {
        Assert.Multiple(() =>
        {
            // Valid JS Dates beyond year 9999: the text JSON.stringify would send (toISOString, checked with Node).
            Assert.That(Decode("c70cff00000000000000e8d4a51000").ToString(), Is.EqualTo("+033658-09-27T01:46:40.000Z"));
            Assert.That(Decode("c70cff00000000000000e8d4a51000").Type, Is.EqualTo(JTokenType.String));

            // Beyond ±8.64e15 ms: Invalid Date → null (JSON.stringify of an Invalid Date).
            Assert.That(Decode("c70cff000000007fffffff00000000").Type, Is.EqualTo(JTokenType.Null));
            Assert.That(Decode("c70cff00000000ffff000000000000").Type, Is.EqualTo(JTokenType.Null));
        });

        Assert.That(JsDate.ToIsoString(-62198755200000), Is.EqualTo("-000001-01-01T00:00:00.000Z"));
        Assert.That(JsDate.ToIsoString(-62135596800001), Is.EqualTo("0000-12-31T23:59:59.999Z"));
        Assert.That(JsDate.ToIsoString(253402300800000), Is.EqualTo("+010000-01-01T00:00:00.000Z"));
        Assert.That(JsDate.ToDateString(-62198755200000), Is.EqualTo("Fri Jan 01 -0001 00:00:00 GMT+0000 (Coordinated Universal Time)"));
        Assert.That(JsDate.ToDateString(8.64e15), Is.EqualTo("Sat Sep 13 275760 00:00:00 GMT+0000 (Coordinated Universal Time)"));
        Assert.That(JsDate.ToDateString(double.NaN), Is.EqualTo("Invalid Date"));
    }

    // ---- extensions ----

    [Test]
    public void Reader_LegacyAndUnknownExtensions()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Decode("d40000").Type, Is.EqualTo(JTokenType.Undefined), "notepack 2 undefined");
            Assert.That(Decode("d40007").Type, Is.EqualTo(JTokenType.Undefined), "the data byte is not checked");

            var arrayBuffer = Decode("c70200abcd");
            Assert.That((byte[])((JValue)arrayBuffer).Value!, Is.EqualTo(new byte[] { 0xab, 0xcd }), "ext8 type 0 = ArrayBuffer");
            Assert.That((byte[])((JValue)Decode("c8000200abcd")).Value!, Is.EqualTo(new byte[] { 0xab, 0xcd }), "ext16 type 0");
            Assert.That((byte[])((JValue)Decode("c90000000200abcd")).Value!, Is.EqualTo(new byte[] { 0xab, 0xcd }), "ext32 type 0");

            // Any other extension → [type, Buffer] (cap robustness-classic-redis4/R10, Node delivered [5, <bin>]).
            Assert.That(JsValueComparer.FirstDifference(new JArray(5L, new JValue(new byte[] { 1 })), Decode("d40501")), Is.Null);
            Assert.That(JsValueComparer.FirstDifference(new JArray(5L, new JValue(new byte[] { 1, 2 })), Decode("d5050102")), Is.Null);
            Assert.That(JsValueComparer.FirstDifference(new JArray(0L, new JValue(new byte[16])), Decode("d800" + new string('0', 32))), Is.Null, "fixext16 type 0 is not legacy");
            Assert.That(JsValueComparer.FirstDifference(new JArray(0L, new JValue(new byte[] { 1, 2, 3, 4 })), Decode("d60001020304")), Is.Null, "fixext4 type 0");
            Assert.That(JsValueComparer.FirstDifference(new JArray(-1L, new JValue(new byte[] { 9 })), Decode("d4ff09")), Is.Null, "fixext1 type -1");
            Assert.That(JsValueComparer.FirstDifference(new JArray(-1L, new JValue(new byte[] { 1, 2 })), Decode("c80002ff0102")), Is.Null, "ext16 type -1");
            Assert.That(JsValueComparer.FirstDifference(new JArray(-128L, new JValue(Array.Empty<byte>())), Decode("c70080")), Is.Null, "ext8 type -128, empty");
            Assert.That(JsValueComparer.FirstDifference(new JArray(127L, new JValue(new byte[] { 7, 7, 7 })), Decode("c9000000037f070707")), Is.Null, "ext32");
        });
    }

    [Test]
    public void Reader_Timestamp96_ReadsTwelveBytesWhateverItsLength()
    {
        // NP decode.js 123-130 ignores the declared length of an ext8 type -1.
        Assert.That(NotepackReader.TryDecode(Convert.FromHexString("c70aff00000000000000000000000000"), out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo("1 trailing bytes"), "as notepack: 12 bytes read, the 13th is trailing");
        Assert.That(Decode("c701ff000000000000000000000001").Type, Is.EqualTo(JTokenType.Date));
    }

    // ---- map keys of any type (String(key) in JS) ----

    [TestCase("81a178a161", "x", TestName = "Key_String")]
    [TestCase("8101a161", "1", TestName = "Key_Integer")]
    [TestCase("81d3ffffffffffffffffa161", "-1", TestName = "Key_NegativeInt64")]
    [TestCase("81cf0020000000000001a161", "9007199254740992", TestName = "Key_IntegerBeyond2pow53_AsJsDouble")]
    [TestCase("81cb3ff8000000000000a161", "1.5", TestName = "Key_Float")]
    [TestCase("81cb44b52d02c7e14af6a161", "1e+23", TestName = "Key_FloatExponent")]
    [TestCase("81cb0000000000000001a161", "5e-324", TestName = "Key_FloatTiny")]
    [TestCase("81cb7ff8000000000000a161", "NaN", TestName = "Key_NaN")]
    [TestCase("81cbfff0000000000000a161", "-Infinity", TestName = "Key_MinusInfinity")]
    [TestCase("81c0a161", "null", TestName = "Key_Nil")]
    [TestCase("81d40000a161", "undefined", TestName = "Key_LegacyUndefined")]
    [TestCase("81c3a161", "true", TestName = "Key_True")]
    [TestCase("81c2a161", "false", TestName = "Key_False")]
    [TestCase("819301920203c0a161", "1,2,3,", TestName = "Key_ArrayJoined")]
    [TestCase("8181a101a102a161", "[object Object]", TestName = "Key_Map")]
    [TestCase("81c40261e2a161", "a\ufffd", TestName = "Key_BinAsUtf8")]
    [TestCase("81c70100ffa161", "[object ArrayBuffer]", TestName = "Key_LegacyArrayBuffer")]
    [TestCase("81d6ff00000000a161", "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)", TestName = "Key_Date")]
    [TestCase("81d6ffffffffffa161", "Sun Feb 07 2106 06:28:15 GMT+0000 (Coordinated Universal Time)", TestName = "Key_Date2106")]
    [TestCase("81d70000000000000003e8a161", "Thu Jan 01 1970 00:00:01 GMT+0000 (Coordinated Universal Time)", TestName = "Key_LegacyDate")]
    [TestCase("81d40501a161", "5,\u0001", TestName = "Key_UnknownExtension")]
    public void Reader_MapKeyOfAnyType_IsItsJsString(string hex, string key)
    {
        // Expected keys checked with notepack.io 3.0.1 (Object.keys of the decoded object, TZ=UTC).
        var decoded = (JObject)Decode(hex);
        Assert.That(decoded.Properties().Select(p => p.Name), Is.EqualTo<string[]>([key]));
        Assert.That((string?)decoded[key], Is.EqualTo("a"));
    }

    [Test]
    public void Reader_RepeatedKey_KeepsFirstPositionAndLastValue()
    {
        var decoded = (JObject)Decode("83a16201a16102a16203"); // {b:1, a:2, b:3} → {b:3, a:2}
        Assert.That(decoded.Properties().Select(p => p.Name), Is.EqualTo<string[]>(["b", "a"]));
        Assert.That((long)decoded["b"]!, Is.EqualTo(3));
    }

    [Test]
    public void Reader_ProtoKey_IsNotAnOwnProperty()
    {
        var proto = Utf8Hex("__proto__");
        Assert.That(((JObject)Decode("82a9" + proto + "81a16101a178a162")).Properties().Select(p => p.Name), Is.EqualTo<string[]>(["x"]));
        Assert.That(((JObject)Decode("82a9" + proto + "01a178a162")).Properties().Select(p => p.Name), Is.EqualTo<string[]>(["x"]));
    }

    [Test]
    public void Reader_IntegerLikeKeys_KeepWireOrder()
    {
        // Deliberate difference: a JS object lists "1" before "2"; JObject keeps the wire order (as JsJson does).
        Assert.That(((JObject)Decode("82a13201a13102")).Properties().Select(p => p.Name), Is.EqualTo<string[]>(["2", "1"]));
    }

    // ---- failures: never throw, return false with a reason ----

    [TestCase("", TestName = "Fail_Empty")]
    [TestCase("c1", TestName = "Fail_NeverUsedPrefix")]
    [TestCase("9000", TestName = "Fail_TrailingByte")]
    [TestCase("c0c0c0", TestName = "Fail_TwoTrailingBytes")]
    [TestCase("92", TestName = "Fail_ArrayWithoutItems")]
    [TestCase("9201", TestName = "Fail_ArrayMissingItem")]
    [TestCase("81a161", TestName = "Fail_MapMissingValue")]
    [TestCase("a561", TestName = "Fail_TruncatedFixstr")]
    [TestCase("d9", TestName = "Fail_Str8WithoutLength")]
    [TestCase("da0001", TestName = "Fail_Str16WithoutBody")]
    [TestCase("c40501", TestName = "Fail_TruncatedBin8")]
    [TestCase("c6ffffffff", TestName = "Fail_HugeBin32")]
    [TestCase("ddffffffff", TestName = "Fail_HugeArray32")]
    [TestCase("dfffffffff", TestName = "Fail_HugeMap32")]
    [TestCase("cd01", TestName = "Fail_TruncatedUint16")]
    [TestCase("ce", TestName = "Fail_Uint32WithoutBody")]
    [TestCase("cf00000000", TestName = "Fail_TruncatedUint64")]
    [TestCase("d3ff", TestName = "Fail_TruncatedInt64")]
    [TestCase("ca4020", TestName = "Fail_TruncatedFloat32")]
    [TestCase("cb3ff8", TestName = "Fail_TruncatedFloat64")]
    [TestCase("d4", TestName = "Fail_FixextWithoutType")]
    [TestCase("d400", TestName = "Fail_LegacyUndefinedWithoutDataByte")]
    [TestCase("d405", TestName = "Fail_UnknownFixext1WithoutData")]
    [TestCase("d6ff0000", TestName = "Fail_TruncatedTimestamp32")]
    [TestCase("d7ff00000000", TestName = "Fail_TruncatedTimestamp64")]
    [TestCase("c70cff0000", TestName = "Fail_TruncatedTimestamp96")]
    [TestCase("c70c00", TestName = "Fail_TruncatedLegacyArrayBuffer")]
    [TestCase("c7ff0502", TestName = "Fail_TruncatedUnknownExt8")]
    [TestCase("c80005", TestName = "Fail_Ext16WithoutType")]
    [TestCase("d6ff00000000c0", TestName = "Fail_DateThenTrailing")]
    [TestCase("204142", TestName = "Fail_JsonWithLeadingSpace")]
    public void Reader_InvalidInput_ReturnsFalseWithoutThrowing(string hex)
    {
        JToken? value = JValue.CreateString("sentinel");
        string? error = null;
        var ok = true;
        Assert.DoesNotThrow(() => ok = NotepackReader.TryDecode(Convert.FromHexString(hex), out value, out error));
        Assert.That(ok, Is.False);
        Assert.That(value, Is.Null);
        Assert.That(error, Is.Not.Null.And.Not.Empty);
    }

    [Test]
    public void Reader_TrailingBytes_UseNotepacksMessage()
    {
        Assert.That(NotepackReader.TryDecode(Convert.FromHexString("9000"), out _, out var one), Is.False);
        Assert.That(one, Is.EqualTo("1 trailing bytes"));
        Assert.That(NotepackReader.TryDecode("garbage"u8.ToArray(), out _, out var six), Is.False);
        Assert.That(six, Is.EqualTo("6 trailing bytes"), "the text Node crashed with in cap robustness-classic-redis4/R13");
    }

    [Test]
    public void Reader_Depth_IsBounded()
    {
        static byte[] Nested(int depth) => Enumerable.Repeat((byte)0x91, depth).Append((byte)0xc0).ToArray();

        Assert.That(NotepackReader.TryDecode(Nested(NotepackReader.MaxDepth), out var deep, out _), Is.True);
        Assert.That(NotepackWriter.Encode(deep), Is.EqualTo(Nested(NotepackReader.MaxDepth)));
        Assert.That(NotepackReader.TryDecode(Nested(NotepackReader.MaxDepth + 1), out _, out var error), Is.False);
        Assert.That(error, Does.Contain("deeper"));
        Assert.That(NotepackReader.TryDecode(Nested(100_000), out _, out _), Is.False, "no stack overflow");
    }

    [Test]
    public void Reader_RandomBytes_NeverThrow()
    {
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            Assert.DoesNotThrow(() => NotepackReader.TryDecode(bytes, out _, out _), Convert.ToHexStringLower(bytes));
        }
    }

    [Test]
    public void Reader_AcceptsSlicedMemory()
    {
        var buffer = Convert.FromHexString("ff92a1610100ff");
        Assert.That(NotepackReader.TryDecode(buffer.AsMemory(1, 4), out var value, out _), Is.True);
        Assert.That(JsValueComparer.FirstDifference(new JArray("a", 1L), value), Is.Null);
    }

    // ---- round trips ----

    [Test]
    public void RoundTrip_MixedValue()
    {
        var value = new JObject
        {
            ["type"] = 2,
            ["data"] = new JArray(
                "ev",
                new JObject { ["n"] = -129, ["f"] = 0.25, ["big"] = 4294967296L, ["s"] = new string('z', 300) },
                new JValue(new byte[300]),
                new JValue(new DateTime(2030, 5, 6, 7, 8, 9, 10, DateTimeKind.Utc)),
                new JArray(),
                new JObject(),
                JValue.CreateNull(),
                true),
            ["nsp"] = "/chat",
        };
        var bytes = NotepackWriter.Encode(value);
        Assert.That(NotepackReader.TryDecode(bytes, out var back, out var error), Is.True, error);
        Assert.That(JsValueComparer.FirstDifference(value, back), Is.Null);
        Assert.That(NotepackWriter.Encode(back), Is.EqualTo(bytes));
    }

    [Test]
    public void Writer_ExplicitHeadersAroundValues()
    {
        // The adapter can write the classic broadcast [uid, packet, opts] with its own array header (§4.3).
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        NotepackWriter.WriteValue(ref writer, "JZkdm6");
        NotepackWriter.WriteValue(ref writer, new JObject { ["type"] = 2, ["data"] = new JArray("to-room1", new JObject { ["a"] = 1 }), ["nsp"] = "/" });
        NotepackWriter.WriteValue(ref writer, new JObject { ["rooms"] = new JArray("room1"), ["except"] = new JArray(), ["flags"] = new JObject() });
        writer.Flush();

        // cap classic-redis4/02-broadcast-one-room, annotated in redis-wire §4.3.
        Assert.That(
            Convert.ToHexStringLower(buffer.WrittenSpan),
            Is.EqualTo("93a64a5a6b646d3683a47479706502a46461746192a8746f2d726f6f6d3181a16101a36e7370a12f83a5726f6f6d7391a5726f6f6d31a665786365707490a5666c61677380"));
    }

    [Test]
    public void Writer_DepthIsBounded()
    {
        JToken value = JValue.CreateNull();
        for (var i = 0; i < NotepackWriter.MaxDepth + 1; i++)
        {
            value = new JArray(value);
        }

        Assert.Throws<InvalidOperationException>(() => NotepackWriter.Encode(value));
    }

    [Test]
    public void Writer_ValuesWithoutJsCounterpart()
    {
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        Assert.Multiple(() =>
        {
            Assert.That(Hex(new JValue(guid)), Is.EqualTo("d924" + Utf8Hex(guid.ToString())), "Guid as its text, like JsJson");
            Assert.That(Hex(new JValue(new Uri("http://a/b"))), Is.EqualTo("aa" + Utf8Hex("http://a/b")), "Uri as its text");
            Assert.That(Hex(new JProperty("p", 5)), Is.EqualTo("05"), "a property is its value");
        });
    }
}
