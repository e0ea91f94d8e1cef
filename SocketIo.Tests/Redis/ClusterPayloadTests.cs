using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Redis.Codec;
using SocketIo.Server.Protocol.Msgpack;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.Redis;

/// <summary>The 0x7B test (redis-wire §2.3) and the binary test that picks the sharded encoding (§8.1, UT:1-30).</summary>
[TestFixture]
public sealed class ClusterPayloadTests
{
    private static bool Decode(string text, out JToken? value) => ClusterPayload.TryDecode(Encoding.UTF8.GetBytes(text), out value);

    [Test]
    public void BraceFirst_IsJson()
    {
        Assert.That(Decode("{\"uid\":\"XXXXXX\",\"requestId\":\"r\",\"type\":1}", out var value), Is.True);
        Assert.That(JsValueComparer.FirstDifference(new JObject { ["uid"] = "XXXXXX", ["requestId"] = "r", ["type"] = 1 }, value), Is.Null);
    }

    [Test]
    public void AnythingElse_IsMsgpack()
    {
        var msgpack = NotepackWriter.Encode(new JObject { ["type"] = 3, ["data"] = new JValue(new byte[] { 1 }) });
        Assert.That(msgpack[0], Is.EqualTo(0x82));
        Assert.That(ClusterPayload.TryDecode(msgpack, out var value), Is.True);
        Assert.That((byte[])((JValue)value!["data"]!).Value!, Is.EqualTo(new byte[] { 1 }));
    }

    [Test]
    public void FailuresOfBothPaths_ReturnFalse()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ClusterPayload.TryDecode(ReadOnlyMemory<byte>.Empty, out var empty), Is.False, "empty");
            Assert.That(empty, Is.Null);
            Assert.That(Decode("{bad json", out _), Is.False, "cap Q03");
            Assert.That(Decode(" {\"type\":1}", out _), Is.False, "leading whitespace goes to msgpack and fails (cap Q04/S06)");
            Assert.That(Decode("\ufeff{\"type\":1}", out _), Is.False, "a BOM is not '{'");
            Assert.That(Decode("{\"type\":1} x", out _), Is.False, "JSON with trailing text");

            // 0x7B alone is the msgpack fixint 123, but Node JSON.parses it ("{") and fails.
            Assert.That(ClusterPayload.TryDecode(new byte[] { 0x7B }, out _), Is.False);
            Assert.That(NotepackReader.TryDecode(new byte[] { 0x7B }, out var fixint, out _), Is.True);
            Assert.That((long)fixint!, Is.EqualTo(123));
        });
    }

    [Test]
    public void Json_InvalidUtf8_IsReplacedAsBufferToString()
    {
        var payload = Encoding.UTF8.GetBytes("{\"s\":\"aXb\"}");
        payload[7] = 0xFF;
        Assert.That(ClusterPayload.TryDecode(payload, out var value), Is.True);
        Assert.That((string?)value!["s"], Is.EqualTo("a\ufffdb"));
    }

    [Test]
    public void Json_EscapedLoneSurrogates_ParseAndRoundTrip()
    {
        // JSON.stringify("\ud800") === '"\\ud800"': Node sends this for any string holding a lone surrogate, and
        // JSON.parse accepts it. (Regression: JsJson.TryParse used to throw InvalidOperationException here.)
        const string json = "{\"a\\ud800\":\"x\\udc00y\",\"pair\":\"\\ud83d\\ude00\",\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u00e9\"}";
        Assert.That(Decode(json, out var value), Is.True);
        Assert.That(value!.Value<string>("a\ud800"), Is.EqualTo("x\udc00y"));
        Assert.That(value.Value<string>("pair"), Is.EqualTo("😀"));
        Assert.That(value.Value<string>("esc"), Is.EqualTo("\"\\/\b\f\n\r\t\u0001é"));
        Assert.That(
            Encoding.UTF8.GetString(JsJson.Serialize(value)),
            Is.EqualTo("{\"a\\ud800\":\"x\\udc00y\",\"pair\":\"😀\",\"esc\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001é\"}"),
            "as JSON.stringify writes it back");
    }

    [Test]
    public void ContainsBinary_FindsBytesAnywhere()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ClusterPayload.ContainsBinary(new JValue(Array.Empty<byte>())), Is.True, "top level, even empty");
            Assert.That(ClusterPayload.ContainsBinary(new JObject { ["packet"] = new JArray("ev", new JObject { ["deep"] = new JArray(1, new JValue(new byte[] { 1 })) }) }), Is.True, "nested");
            Assert.That(ClusterPayload.ContainsBinary(new JProperty("p", new JValue(new byte[] { 1 }))), Is.True, "property");
            Assert.That(ClusterPayload.ContainsBinary(new JObject { ["packet"] = new JArray("ev", 1, "s", true, JValue.CreateNull(), JValue.CreateUndefined()) }), Is.False);
            Assert.That(ClusterPayload.ContainsBinary(new JValue(DateTime.UnixEpoch)), Is.False, "a Date is not binary (toJSON is a string)");
            Assert.That(ClusterPayload.ContainsBinary(JObject.Parse("{\"type\":\"Buffer\",\"data\":[1,2]}")), Is.False, "a JSON-degraded Buffer is no longer binary");
            Assert.That(ClusterPayload.ContainsBinary(null), Is.False);
            Assert.That(ClusterPayload.ContainsBinary(new JArray()), Is.False);
        });
    }
}
