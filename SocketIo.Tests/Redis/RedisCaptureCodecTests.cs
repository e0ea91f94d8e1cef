using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Redis.Codec;
using SocketIo.Server.Protocol.Msgpack;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.Redis;

/// <summary>
/// Every payload of the golden captures (shared/redis-captures, Node @socket.io/redis-adapter 8.3.0 with notepack.io
/// 3.0.1) through the codec: msgpack payloads decode to the captured value and re-encode byte for byte; JSON payloads
/// parse to the captured value and re-serialize byte for byte; the deliberately broken payloads fail as in Node.
/// Exceptions are listed one by one below with the reason and the exact bytes expected instead.
/// </summary>
[TestFixture]
public sealed class RedisCaptureCodecTests
{
    /// <summary>
    /// Hand-crafted robustness payloads (cap robustness-classic-redis4, redis-wire §13) whose bytes are not what
    /// notepack would write for the value they decode to. The value is the exact re-encoding notepack gives instead.
    /// </summary>
    private static readonly Dictionary<string, (string Reason, string NotepackHex)> MsgpackReencodeExceptions = new(StringComparer.Ordinal)
    {
        ["robustness-classic-redis4/R07-broadcast-64bit-integers.json#0"] = (
            "hand-written uint64 max (cf ff…ff) decodes to the double 2^64 (above long.MaxValue → double, like JS); "
            + "notepack writes an integral 2^64 through its uint64 branch, which wraps modulo 2^64: cf 00…00. "
            + "int64 min and 2^53+1 re-encode identically",
            "93a658585858585883a47479706502a46461746194a3723037cf0000000000000000d38000000000000000cf0020000000000001"
            + "a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380"),
        ["robustness-classic-redis4/R08-broadcast-non-minimal-encodings.json#0"] = (
            "deliberately non-minimal encodings (array32, map16/32, str8/16/32 for short strings, uint32 2, float64 1.0, "
            + "float32 2.5); notepack writes the smallest forms (fixarray, fixmap, fixstr, 02, 01, cb 2.5)",
            "93a658585858585883a47479706502a46461746193a372303801cb4004000000000000a36e7370a12f83a5726f6f6d7390"
            + "a665786365707490a5666c61677380"),
        ["robustness-classic-redis4/R10-broadcast-ext-types.json#0"] = (
            "ext type 5 (d4 05 01) decodes to the array [5, <Buffer 01>] and the notepack-2 legacy undefined (d4 00 00) "
            + "to undefined; notepack 3 writes them as an array 92 05 c4 01 01 and nil c0",
            "93a658585858585883a47479706502a46461746193a37231309205c40101c0a36e7370a12f83a5726f6f6d7390a665786365707490"
            + "a5666c61677380"),
    };

    /// <summary>
    /// JSON payloads whose bytes JsJson.Serialize cannot reproduce from the parsed value. None: every captured JSON
    /// payload (Node's JSON.stringify and the hand-written foreign/robustness ones) re-serializes identically.
    /// </summary>
    private static readonly Dictionary<string, string> JsonReserializeExceptions = new(StringComparer.Ordinal);

    /// <summary>
    /// The captures' <c>encoding: unknown</c> payloads: deliberately not a valid message. Each fails the 0x7B test
    /// decode (redis-wire §2.3); the msgpack error text is notepack's, as Node printed it where it crashed (§13).
    /// </summary>
    private static readonly Dictionary<string, (string Reason, bool JsonPath, string? MsgpackError)> UndecodablePayloads = new(StringComparer.Ordinal)
    {
        ["robustness-classic-redis4/Q03-request-malformed-json.json#0"] = (
            "'{bad json' starts with '{' → JSON.parse fails; Node ignores it (§13 Q03)", true, null),
        ["robustness-classic-redis4/Q04-request-json-leading-space.json#0"] = (
            "' {…}' does not start with '{' → msgpack: fixint 32 then 46 trailing bytes; Node ignores it (§2.3, Q04)", false, "46 trailing bytes"),
        ["robustness-classic-redis4/R04-broadcast-as-json-text.json#0"] = (
            "JSON text on the broadcast channel is always msgpack-decoded: fixint 91 ('[') then 81 trailing bytes — "
            + "the exact error Node crashed with (§13 R04)", false, "81 trailing bytes"),
        ["robustness-classic-redis4/R12-room-channel-unknown-room-garbage.json#0"] = (
            "'garbage': fixint 103 then 6 trailing bytes (Node drops it before decoding, §13 R12)", false, "6 trailing bytes"),
        ["robustness-classic-redis4/R13-room-channel-known-room-garbage.json#0"] = (
            "'garbage': fixint 103 then 6 trailing bytes — the exact error Node crashed with (§13 R13)", false, "6 trailing bytes"),
        ["robustness-sharded-redis4/S06-json-leading-space.json#0"] = (
            "' {…}' does not start with '{' → msgpack: fixint 32 then 123 trailing bytes; Node ignores it (§2.3, S06)", false, "123 trailing bytes"),
    };

    /// <summary>Sharded msgpack payloads that are msgpack although Node would have used JSON (§8.1).</summary>
    private static readonly Dictionary<string, string> ShardedMsgpackWithoutBinary = new(StringComparer.Ordinal)
    {
        ["robustness-sharded-redis4/S02-msgpack-broadcast-without-binary.json#0"] =
            "hand-crafted: a binary-free BROADCAST sent as msgpack to show that Node accepts msgpack for any type (§8.1, S02)",
    };

    private static readonly string[] KnownEncodings = ["json", "msgpack", "unknown"];

    private static readonly Lazy<IReadOnlyList<CapturedMessage>> All = new(() =>
        RedisCaptures.Directory is null ? [] : RedisCaptures.LoadMessages());

    /// <summary>The captured messages of one encoding; one failing case when the captures are missing.</summary>
    public static IEnumerable<TestCaseData> Messages(string encoding)
    {
        if (RedisCaptures.Directory is null)
        {
            yield return new TestCaseData(null).SetName($"CapturesNotFound_{encoding}");
            yield break;
        }

        foreach (var message in All.Value.Where(m => m.Encoding == encoding))
        {
            yield return new TestCaseData(message).SetArgDisplayNames(message.Key);
        }
    }

    [Test]
    public void CaptureInventory_IsCompleteAndEveryExceptionIsReal()
    {
        Assert.That(RedisCaptures.Directory, Is.Not.Null, RedisCaptures.NotFoundMessage);
        var all = All.Value;
        var byEncoding = all.GroupBy(m => m.Encoding).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        TestContext.Out.WriteLine($"captures: {RedisCaptures.Directory}");
        TestContext.Out.WriteLine(string.Join(", ", byEncoding.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
        TestContext.Out.WriteLine(
            $"byte-exact re-encodings: msgpack {byEncoding.GetValueOrDefault("msgpack") - MsgpackReencodeExceptions.Count}, "
            + $"json {byEncoding.GetValueOrDefault("json") - JsonReserializeExceptions.Count}");

        var keys = all.ToDictionary(m => m.Key, StringComparer.Ordinal);
        Assert.Multiple(() =>
        {
            Assert.That(byEncoding.Keys, Is.EquivalentTo(KnownEncodings), "encodings in the captures");
            Assert.That(byEncoding["msgpack"], Is.GreaterThanOrEqualTo(92), "msgpack payloads");
            Assert.That(byEncoding["json"], Is.GreaterThanOrEqualTo(147), "json payloads");
            foreach (var key in MsgpackReencodeExceptions.Keys.Concat(ShardedMsgpackWithoutBinary.Keys))
            {
                Assert.That(keys.TryGetValue(key, out var m) ? m.Encoding : "(missing)", Is.EqualTo("msgpack"), key);
            }

            foreach (var key in JsonReserializeExceptions.Keys)
            {
                Assert.That(keys.TryGetValue(key, out var m) ? m.Encoding : "(missing)", Is.EqualTo("json"), key);
            }

            Assert.That(
                all.Where(m => m.Encoding == "unknown").Select(m => m.Key),
                Is.EquivalentTo(UndecodablePayloads.Keys),
                "every 'unknown' payload is listed with its expected failure");
        });
    }

    [TestCaseSource(nameof(Messages), new object[] { "msgpack" })]
    public void Msgpack_DecodesToCapturedValue_AndReencodesByteExact(CapturedMessage? message)
    {
        if (message is null)
        {
            Assert.Fail(RedisCaptures.NotFoundMessage);
            return;
        }

        var ok = NotepackReader.TryDecode(message.Payload, out var value, out var error);
        Assert.That(ok, Is.True, $"decode failed: {error}");
        Assert.That(error, Is.Null);
        Assert.That(message.Decoded, Is.Not.Null, "the capture has a decoded value");
        Assert.That(JsValueComparer.FirstDifference(message.Decoded, value), Is.Null, "decoded value vs the capture's 'decoded'");

        // The 0x7B test takes the msgpack path for every msgpack payload (§2.3) and gives the same value.
        Assert.That(message.Payload[0], Is.Not.EqualTo(ClusterPayload.JsonMarker));
        Assert.That(ClusterPayload.TryDecode(message.Payload, out var viaTest), Is.True);
        Assert.That(JsValueComparer.FirstDifference(value, viaTest), Is.Null);

        var expectedHex = Convert.ToHexStringLower(message.Payload);
        var reencoded = Convert.ToHexStringLower(NotepackWriter.Encode(value));
        if (MsgpackReencodeExceptions.TryGetValue(message.Key, out var exception))
        {
            Assert.That(reencoded, Is.Not.EqualTo(expectedHex), "listed as an exception but re-encodes identically: remove it");
            Assert.That(reencoded, Is.EqualTo(exception.NotepackHex), exception.Reason);
        }
        else
        {
            Assert.That(reencoded, Is.EqualTo(expectedHex), "re-encoding with NotepackWriter");
        }
    }

    [TestCaseSource(nameof(Messages), new object[] { "json" })]
    public void Json_ParsesToCapturedValue_AndReserializesByteExact(CapturedMessage? message)
    {
        if (message is null)
        {
            Assert.Fail(RedisCaptures.NotFoundMessage);
            return;
        }

        Assert.That(message.Payload[0], Is.EqualTo(ClusterPayload.JsonMarker), "JSON payloads start with '{' (§2.2)");
        Assert.That(JsJson.TryParse(message.Payload, out var value), Is.True, "JsJson.TryParse");
        Assert.That(message.Decoded, Is.Not.Null, "the capture has a decoded value");
        Assert.That(JsValueComparer.FirstDifference(message.Decoded, value), Is.Null, "parsed value vs the capture's 'decoded'");

        Assert.That(ClusterPayload.TryDecode(message.Payload, out var viaTest), Is.True);
        Assert.That(JsValueComparer.FirstDifference(value, viaTest), Is.Null);
        Assert.That(ClusterPayload.ContainsBinary(value), Is.False, "JSON carries no bytes");

        var serialized = JsJson.Serialize(value);
        if (JsonReserializeExceptions.TryGetValue(message.Key, out var reason))
        {
            Assert.That(serialized, Is.Not.EqualTo(message.Payload), $"listed as an exception ({reason}) but re-serializes identically: remove it");
            return;
        }

        Assert.That(Encoding.UTF8.GetString(serialized), Is.EqualTo(Encoding.UTF8.GetString(message.Payload)), "JsJson.Serialize");
        Assert.That(serialized, Is.EqualTo(message.Payload), "JsJson.Serialize bytes");
    }

    [TestCaseSource(nameof(Messages), new object[] { "unknown" })]
    public void Undecodable_FailsAsInNode(CapturedMessage? message)
    {
        if (message is null)
        {
            Assert.Fail(RedisCaptures.NotFoundMessage);
            return;
        }

        Assert.That(UndecodablePayloads.TryGetValue(message.Key, out var expected), Is.True, "every 'unknown' payload must be listed");
        Assert.That(ClusterPayload.TryDecode(message.Payload, out var value), Is.False, expected.Reason);
        Assert.That(value, Is.Null);

        if (expected.JsonPath)
        {
            Assert.That(message.Payload[0], Is.EqualTo(ClusterPayload.JsonMarker));
            Assert.That(JsJson.TryParse(message.Payload, out _), Is.False);
        }
        else
        {
            Assert.That(NotepackReader.TryDecode(message.Payload, out var decoded, out var error), Is.False);
            Assert.That(decoded, Is.Null);
            Assert.That(error, Is.EqualTo(expected.MsgpackError), expected.Reason);
        }
    }

    [Test]
    public void ShardedMsgpackMessages_AreExactlyTheOnesWithBinary()
    {
        Assert.That(RedisCaptures.Directory, Is.Not.Null, RedisCaptures.NotFoundMessage);
        var sharded = All.Value.Where(m => m.Command == "SPUBLISH" && m.Encoding != "unknown").ToList();
        Assert.That(sharded, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var m in sharded)
            {
                // SH:177-192: msgpack iff type ∈ {3, 8, 9, 10, 12} and data has binary (§8.1).
                Assert.That(ClusterPayload.TryDecode(m.Payload, out var value), Is.True, m.Key);
                var type = value is JObject o && o["type"] is JValue { Type: JTokenType.Integer } t ? (long?)t : null;
                var binaryType = type is 3 or 8 or 9 or 10 or 12;
                var expectMsgpack = binaryType && ClusterPayload.ContainsBinary(value?["data"]);
                if (ShardedMsgpackWithoutBinary.ContainsKey(m.Key))
                {
                    Assert.That(expectMsgpack, Is.False, m.Key);
                    continue;
                }

                Assert.That(m.Encoding, Is.EqualTo(expectMsgpack ? "msgpack" : "json"), m.Key);
                if (m.Encoding == "msgpack")
                {
                    Assert.That(ClusterPayload.ContainsBinary(value), Is.True, m.Key);
                }
            }
        });
    }

    [Test]
    public void MsgpackPayloads_SurviveEveryTruncationAndTrailingByte()
    {
        Assert.That(RedisCaptures.Directory, Is.Not.Null, RedisCaptures.NotFoundMessage);
        var checkedCount = 0;
        foreach (var m in All.Value.Where(m => m.Encoding == "msgpack"))
        {
            for (var length = 0; length < m.Payload.Length; length++)
            {
                // A strict prefix of one msgpack value is never a complete value.
                Assert.That(NotepackReader.TryDecode(m.Payload.AsMemory(0, length), out var v, out var error), Is.False, $"{m.Key} cut at {length}");
                Assert.That(v, Is.Null);
                Assert.That(error, Is.Not.Null.And.Not.Empty);
                checkedCount++;
            }

            var longer = m.Payload.Append((byte)0xC0).ToArray();
            Assert.That(NotepackReader.TryDecode(longer, out _, out var trailing), Is.False, m.Key);
            Assert.That(trailing, Is.EqualTo("1 trailing bytes"));
        }

        Assert.That(checkedCount, Is.GreaterThan(1000));
    }

    [Test]
    public void MsgpackPayloads_WithRandomByteFlips_NeverThrow()
    {
        Assert.That(RedisCaptures.Directory, Is.Not.Null, RedisCaptures.NotFoundMessage);
        var random = new Random(20261126);
        var decodedSome = 0;
        foreach (var m in All.Value.Where(m => m.Encoding == "msgpack"))
        {
            for (var round = 0; round < 200; round++)
            {
                var mutated = (byte[])m.Payload.Clone();
                var flips = random.Next(1, 4);
                for (var i = 0; i < flips; i++)
                {
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                }

                Assert.DoesNotThrow(() =>
                {
                    if (ClusterPayload.TryDecode(mutated, out var value))
                    {
                        decodedSome++;
                        _ = NotepackWriter.Encode(value); // whatever decodes can be written back
                    }
                });
            }
        }

        Assert.That(decodedSome, Is.GreaterThan(0));
    }
}
