using System.Numerics;
using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.Protocol;

/// <summary>
/// Payload JSON is byte-identical to JSON.stringify (socket.io-parser writes <c>JSON.stringify(packet.data)</c>).
/// Every expected string below was printed by node 20's JSON.stringify for the same value.
/// </summary>
[TestFixture]
public sealed class JsJsonTests
{
    private static string Stringify(JToken token) => JsJsonWriter.ToJson(token);

    /// <summary>The payload as it goes on the wire inside an EVENT packet.</summary>
    private static string InEvent(JToken value)
    {
        var text = Encoding.UTF8.GetString(SocketIoPacketEncoder.Encode(new SocketIoPacket(SocketIoPacketType.Event, "/", new JArray("e", value))).Text.Span);
        Assert.That(text, Does.StartWith("2[\"e\","));
        return text[6..^1];
    }

    [Test]
    public void AStringTokenWithoutAValue_IsWrittenAsNull_AsJsonStringifyWritesANullString()
    {
        // new JValue((string?)null) is what a C# null string becomes in a JArray; it must not turn into "".
        Assert.That(Stringify(new JArray(new JValue((string?)null), "")), Is.EqualTo("""[null,""]"""));
        Assert.That(InEvent(new JValue((string?)null)), Is.EqualTo("null"));
    }

    [TestCase(1e21, "1e+21")]
    [TestCase(1e-7, "1e-7")]
    [TestCase(-0.0, "0")]
    [TestCase(double.NaN, "null")]
    [TestCase(double.PositiveInfinity, "null")]
    [TestCase(double.NegativeInfinity, "null")]
    [TestCase(5.0, "5")]
    [TestCase(100.0, "100")]
    [TestCase(1e20, "100000000000000000000")]
    [TestCase(123456789012345680000.0, "123456789012345680000")]
    [TestCase(1.2345678901234569e+23, "1.2345678901234569e+23")]
    [TestCase(0.30000000000000004, "0.30000000000000004")]
    [TestCase(5e-324, "5e-324")]
    [TestCase(double.MaxValue, "1.7976931348623157e+308")]
    [TestCase(-1.5e-10, "-1.5e-10")]
    [TestCase(0.000001, "0.000001")]
    [TestCase(-5e-7, "-5e-7")]
    [TestCase(1.2345e-7, "1.2345e-7")]
    [TestCase(1.23e-18, "1.23e-18")]
    [TestCase(1.5e300, "1.5e+300")]
    [TestCase(1e301, "1e+301")]
    [TestCase(4.35, "4.35")]
    [TestCase(1.0 / 3, "0.3333333333333333")]
    [TestCase(100.5, "100.5")]
    [TestCase(18446744073709551615.0, "18446744073709552000")]
    [TestCase(9223372036854775808.0, "9223372036854776000")]
    public void Numbers_AreWrittenAsJsNumberToString(double value, string expected)
    {
        Assert.That(Stringify(new JValue(value)), Is.EqualTo(expected));
        Assert.That(InEvent(new JValue(value)), Is.EqualTo(expected));
    }

    [Test]
    public void Integers_AreWrittenWithoutAFraction()
    {
        Assert.That(Stringify(new JValue(9007199254740994L)), Is.EqualTo("9007199254740994"));
        Assert.That(Stringify(new JValue(-42)), Is.EqualTo("-42"));
        Assert.That(Stringify(new JValue(long.MinValue)), Is.EqualTo("-9223372036854775808"));
        Assert.That(Stringify(new JValue(ulong.MaxValue)), Is.EqualTo("18446744073709552000"), "JS numbers are doubles");
        Assert.That(Stringify(new JValue(new BigInteger(1e30))), Is.EqualTo("1e+30"));
    }

    [Test]
    public void Objects_AreCompact_AndKeepTheirKeyOrder()
    {
        var value = new JObject { ["b"] = 1, ["a"] = new JArray(1, 2.5, "x") };
        Assert.That(Stringify(value), Is.EqualTo("""{"b":1,"a":[1,2.5,"x"]}"""));
        Assert.That(Stringify(JToken.Parse("{ \"z\" : [ 1 , { } , [ ] ] , \"y\" : true , \"x\" : null }")), Is.EqualTo("""{"z":[1,{},[]],"y":true,"x":null}"""));
    }

    [Test]
    public void UndefinedMembers_AreLeftOut_AsJsonStringifyDoes()
    {
        var value = new JObject { ["a"] = 1, ["u"] = JValue.CreateUndefined(), ["b"] = 2 };
        Assert.That(Stringify(value), Is.EqualTo("""{"a":1,"b":2}"""));
    }

    [TestCase("é中😀", "\"é中😀\"")]
    [TestCase("\u2028\u2029\u007f", "\"\u2028\u2029\u007f\"")]
    [TestCase("\u0000\u0001\u001f", "\"\\u0000\\u0001\\u001f\"")]
    [TestCase("\u000b\u001b", "\"\\u000b\\u001b\"")]
    [TestCase("\b\f\n\r\t\"\\/", "\"\\b\\f\\n\\r\\t\\\"\\\\/\"")]
    [TestCase("<script>&'", "\"<script>&'\"")]
    public void Strings_UseOnlyJsonStringifysEscapes(string value, string expected)
    {
        Assert.That(Stringify(new JValue(value)), Is.EqualTo(expected));
        Assert.That(InEvent(new JValue(value)), Is.EqualTo(expected));
    }

    [Test]
    public void LoneSurrogates_AreEscaped_PairsAreNot()
    {
        // Not TestCase arguments: attribute blobs are UTF-8 and would turn a lone surrogate into U+FFFD.
        var cases = new (string Value, string Expected)[]
        {
            ("\ud800x", "\"\\ud800x\""),
            ("x\udc00", "\"x\\udc00\""),
            ("\udbff", "\"\\udbff\""),
            ("\ud83d\ude00\ude00", "\"😀\\ude00\""),
            ("\udc00\ud800", "\"\\udc00\\ud800\""),
        };
        foreach (var (value, expected) in cases)
        {
            Assert.That(Stringify(new JValue(value)), Is.EqualTo(expected));
            Assert.That(InEvent(new JValue(value)), Is.EqualTo(expected));
        }
    }

    [Test]
    public void PropertyNames_AreEscapedLikeStrings()
    {
        Assert.That(Stringify(new JObject { ["é"] = "\u2029", ["k\n"] = 1 }), Is.EqualTo("{\"é\":\"\u2029\",\"k\\n\":1}"));
    }

    [Test]
    public void NonAsciiText_IsWrittenAsUtf8Bytes()
    {
        var bytes = SocketIoPacketEncoder.Encode(new SocketIoPacket(SocketIoPacketType.Event, "/", new JArray("é"))).Text.ToArray();
        Assert.That(bytes, Is.EqualTo(new byte[] { (byte)'2', (byte)'[', (byte)'"', 0xC3, 0xA9, (byte)'"', (byte)']' }));
    }

    [Test]
    public void Dates_AreWrittenAsDateToJson()
    {
        var date = new DateTime(2020, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        Assert.That(Stringify(new JValue(date)), Is.EqualTo("\"2020-01-02T03:04:05.678Z\""));
        Assert.That(Stringify(new JValue(new DateTimeOffset(date).ToOffset(TimeSpan.FromHours(2)))), Is.EqualTo("\"2020-01-02T03:04:05.678Z\""));
    }

    [Test]
    public void Bytes_AreNodeBuffersForClusterJson_AndRefusedInPayloadJson()
    {
        var value = new JObject { ["b"] = new byte[] { 1, 2, 255 } };
        Assert.That(Encoding.UTF8.GetString(JsJson.Serialize(value)), Is.EqualTo("""{"b":{"type":"Buffer","data":[1,2,255]}}"""));
        Assert.Throws<InvalidOperationException>(() => Stringify(value));
    }

    [Test]
    public void Serialize_IsStringifyToo()
    {
        Assert.That(Encoding.UTF8.GetString(JsJson.Serialize(JToken.Parse("""{"a":[1e21,-0.0,"\u0001"]}"""))), Is.EqualTo("""{"a":[1e+21,0,"\u0001"]}"""));
        Assert.That(Encoding.UTF8.GetString(JsJson.Serialize(null)), Is.EqualTo("null"));
    }

    [TestCase("""{"a":1,"a":2}""", """{"a":2}""")]
    [TestCase("\"\\ud83d\\ude00\"", "\"😀\"")]
    [TestCase("\"\\ud800\"", "\"\\ud800\"")]
    [TestCase("\"\\u00e9\\/\"", "\"é/\"")]
    [TestCase("123456789012345678901234", "1.2345678901234569e+23")]
    [TestCase("-0", "0")]
    [TestCase("1E3", "1000")]
    [TestCase("[1.0]", "[1]")]
    public void Parse_ThenStringify_IsWhatNodeGives(string json, string expected)
    {
        Assert.That(JsJson.TryParse(Encoding.UTF8.GetBytes(json), out var token), Is.True);
        Assert.That(Encoding.UTF8.GetString(JsJson.Serialize(token)), Is.EqualTo(expected));
    }

    [TestCase("NaN")]
    [TestCase("[1,]")]
    [TestCase("{'a':1}")]
    [TestCase("[1]/*c*/")]
    [TestCase("01")]
    [TestCase("[1] [2]")]
    [TestCase("")]
    [TestCase("\"\t\"")]
    public void Parse_IsAsStrictAsJsonParse(string json)
    {
        Assert.That(JsJson.TryParse(Encoding.UTF8.GetBytes(json), out _), Is.False);
    }
}
