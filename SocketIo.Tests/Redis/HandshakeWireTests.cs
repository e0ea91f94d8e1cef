using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Redis.Codec;
using SocketIo.Server.Protocol.Msgpack;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.Redis;

/// <summary>
/// Node's fetchSockets answers in the golden captures: every socket read through <see cref="ClusterFormats"/> (its
/// handshake as .NET types) and its handshake written back gives the captured payload byte for byte, and the JS date text and
/// millisecond number become the instants they name.
/// </summary>
[TestFixture]
public sealed class HandshakeWireTests
{
    public static IEnumerable<TestCaseData> SocketAnswers()
    {
        if (RedisCaptures.Directory is null)
        {
            yield return new TestCaseData(null).SetName("CapturesNotFound");
            yield break;
        }

        foreach (var message in RedisCaptures.LoadMessages().Where(m => m.Encoding != "unknown" && SocketsOf(m.Decoded).Count > 0))
        {
            yield return new TestCaseData(message).SetArgDisplayNames(message.Key);
        }
    }

    [TestCaseSource(nameof(SocketAnswers))]
    public void ACapturedFetchSocketsAnswer_ReadAndWrittenBack_IsByteExact(CapturedMessage? message)
    {
        if (message is null)
        {
            Assert.Fail(RedisCaptures.NotFoundMessage);
            return;
        }

        Assert.That(ClusterPayload.TryDecode(message.Payload, out var value), Is.True);
        var sockets = SocketsOf(value).ToList();
        Assert.That(sockets, Is.Not.Empty);
        foreach (var socket in sockets)
        {
            var details = ClusterFormats.SocketFromJson(socket)!;
            var handshake = (JObject)socket["handshake"]!;
            var issued = DateTimeOffset.FromUnixTimeMilliseconds((long)handshake["issued"]!);
            Assert.That(details.Handshake.Issued, Is.EqualTo(issued));
            // Node takes `time` and `issued` from two `new Date()` calls of the same handshake.
            Assert.That(details.Handshake.Time, Is.EqualTo(issued).Within(TimeSpan.FromSeconds(1)));
            Assert.That(details.Handshake.Time.Offset, Is.EqualTo(TimeSpan.Zero), "the captures ran in UTC");
            // Only the handshake: a numeric room (42) is the .NET room "42" by design (ClusterFormats.RoomName).
            socket["handshake"] = ClusterFormats.SocketToJson(details)["handshake"];
        }

        var rewritten = message.Encoding == "json" ? JsJson.Serialize(value) : NotepackWriter.Encode(value);
        Assert.That(Convert.ToHexStringLower(rewritten), Is.EqualTo(Convert.ToHexStringLower(message.Payload)));
    }

    /// <summary>The <c>{id, handshake, …}</c> objects anywhere in a message.</summary>
    private static List<JObject> SocketsOf(JToken? token) => token is JContainer container
        ? [.. container.DescendantsAndSelf().OfType<JObject>().Where(o => o["id"] is { Type: JTokenType.String } && o["handshake"] is JObject)]
        : [];
}
