using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.Protocol;

/// <summary>
/// The Socket.IO v5 text codec (socket.io-parser test/parser.js; protocol.md "Encoding", "Payload rules").
/// Expected strings are what npm socket.io-parser 4.2.7 produces and accepts (computed with node).
/// </summary>
[TestFixture]
public sealed class ParserTests
{
    private static string Encode(SocketIoPacketType type, string nsp, string? json, long? id = null)
    {
        var encoded = SocketIoPacketEncoder.Encode(new SocketIoPacket(type, nsp, json is null ? null : JToken.Parse(json), id));
        Assert.That(encoded.Attachments, Is.Empty);
        return Encoding.UTF8.GetString(encoded.Text.Span);
    }

    private static SocketIoPacket Decode(string text)
    {
        var decoder = new SocketIoPacketDecoder();
        var packet = decoder.AddText(Encoding.UTF8.GetBytes(text));
        Assert.That(packet, Is.Not.Null, "a text packet without attachments decodes at once");
        return packet!;
    }

    private static string? Json(JToken? token) => token?.ToString(Newtonsoft.Json.Formatting.None);

    [TestCase(SocketIoPacketType.Connect, "/", null, null, "0")]
    [TestCase(SocketIoPacketType.Connect, "/", """{"sid":"abc"}""", null, """0{"sid":"abc"}""")]
    [TestCase(SocketIoPacketType.Connect, "/admin", """{"token":"123"}""", null, """0/admin,{"token":"123"}""")]
    [TestCase(SocketIoPacketType.Disconnect, "/", null, null, "1")]
    [TestCase(SocketIoPacketType.Disconnect, "/admin", null, null, "1/admin,")]
    [TestCase(SocketIoPacketType.Event, "/", """["hello",1,{"a":true}]""", null, """2["hello",1,{"a":true}]""")]
    [TestCase(SocketIoPacketType.Event, "/chat", """["hello"]""", 12L, """2/chat,12["hello"]""")]
    [TestCase(SocketIoPacketType.Event, "/", """["a"]""", 0L, """20["a"]""")]
    [TestCase(SocketIoPacketType.Ack, "/", """["ok"]""", 3L, """33["ok"]""")]
    [TestCase(SocketIoPacketType.Ack, "/chat", "[]", 0L, "3/chat,0[]")]
    [TestCase(SocketIoPacketType.ConnectError, "/", """{"message":"Invalid namespace"}""", null, """4{"message":"Invalid namespace"}""")]
    [TestCase(SocketIoPacketType.ConnectError, "/mw", """{"message":"not authorized","data":{"reason":"bad token"}}""", null, """4/mw,{"message":"not authorized","data":{"reason":"bad token"}}""")]
    public void EveryPacketType_EncodesAsSocketIoParserDoes_AndDecodesBack(SocketIoPacketType type, string nsp, string? json, long? id, string expected)
    {
        Assert.That(Encode(type, nsp, json, id), Is.EqualTo(expected));

        var decoded = Decode(expected);
        Assert.That(decoded.Type, Is.EqualTo(type));
        Assert.That(decoded.Namespace, Is.EqualTo(nsp));
        Assert.That(decoded.Id, Is.EqualTo(id));
        Assert.That(Json(decoded.Data), Is.EqualTo(json));
    }

    [Test]
    public void BinaryTypesWithoutBytes_AreEncodedAsTheirPlainTypes()
    {
        Assert.That(Encode(SocketIoPacketType.BinaryEvent, "/", """["a"]"""), Is.EqualTo("""2["a"]"""));
        Assert.That(Encode(SocketIoPacketType.BinaryAck, "/", """["a"]""", 4), Is.EqualTo("""34["a"]"""));
    }

    [Test]
    public void AnEmptyNamespace_IsTheMainNamespace()
    {
        Assert.That(Encode(SocketIoPacketType.Event, string.Empty, """["a"]"""), Is.EqualTo("""2["a"]"""));
    }

    [Test]
    public void NonAsciiNamespacesAndPayloads_AreUtf8()
    {
        var text = Encode(SocketIoPacketType.Event, "/ñ", """["é",{"中":"😀"}]""", 1);
        Assert.That(text, Is.EqualTo("""2/ñ,1["é",{"中":"😀"}]"""));
        var decoded = Decode(text);
        Assert.That(decoded.Namespace, Is.EqualTo("/ñ"));
        Assert.That(Json(decoded.Data), Is.EqualTo("""["é",{"中":"😀"}]"""));
    }

    // Decoder, socket.io-parser 4.2.7 (npm build/cjs/index.js decodeString): accepted edge cases.
    [TestCase("0/custom", SocketIoPacketType.Connect, "/custom", null, null)]
    [TestCase("0/custom,", SocketIoPacketType.Connect, "/custom", null, null)]
    [TestCase("""0/custom,{"a":1}""", SocketIoPacketType.Connect, "/custom", null, """{"a":1}""")]
    [TestCase("0", SocketIoPacketType.Connect, "/", null, null)]
    [TestCase("", SocketIoPacketType.Connect, "/", null, null)]
    [TestCase("1", SocketIoPacketType.Disconnect, "/", null, null)]
    [TestCase("1/a,", SocketIoPacketType.Disconnect, "/a", null, null)]
    [TestCase("2", SocketIoPacketType.Event, "/", null, null)]
    [TestCase("2/nsp", SocketIoPacketType.Event, "/nsp", null, null)]
    [TestCase("2[1,2]", SocketIoPacketType.Event, "/", null, "[1,2]")]
    [TestCase("2[1.5]", SocketIoPacketType.Event, "/", null, "[1.5]")]
    [TestCase("""2["connection"]""", SocketIoPacketType.Event, "/", null, """["connection"]""")]
    [TestCase("""212["a"]""", SocketIoPacketType.Event, "/", 12L, """["a"]""")]
    [TestCase("""2/nsp,12["a"]""", SocketIoPacketType.Event, "/nsp", 12L, """["a"]""")]
    [TestCase("3", SocketIoPacketType.Ack, "/", null, null)]
    [TestCase("3[]", SocketIoPacketType.Ack, "/", null, "[]")]
    [TestCase("3/a,5[]", SocketIoPacketType.Ack, "/a", 5L, "[]")]
    [TestCase("4", SocketIoPacketType.ConnectError, "/", null, null)]
    [TestCase("4\"err\"", SocketIoPacketType.ConnectError, "/", null, "\"err\"")]
    [TestCase("""4{"message":"m"}""", SocketIoPacketType.ConnectError, "/", null, """{"message":"m"}""")]
    public void Decode_AcceptsWhatTheReferenceAccepts(string text, SocketIoPacketType type, string nsp, long? id, string? json)
    {
        var packet = Decode(text);
        Assert.That(packet.Type, Is.EqualTo(type));
        Assert.That(packet.Namespace, Is.EqualTo(nsp));
        Assert.That(packet.Id, Is.EqualTo(id));
        Assert.That(Json(packet.Data), Is.EqualTo(json));
    }

    [Test]
    public void Decode_AckIdsAreTheDigitsAfterTheNamespace_ForLargeIdsToo()
    {
        Assert.That(Decode("""2/a,9007199254740992["x"]""").Id, Is.EqualTo(9007199254740992L));
        Assert.That(Decode("""3999[]""").Id, Is.EqualTo(999L));
    }

    // Payload rules (mono index.ts isPayloadValid; protocol.md "Payload rules").
    [TestCase("2[]")]
    [TestCase("""2["disconnect"]""")]
    [TestCase("""2["connect"]""")]
    [TestCase("""2["connect_error"]""")]
    [TestCase("""2["disconnecting"]""")]
    [TestCase("""2["newListener"]""")]
    [TestCase("""2["removeListener"]""")]
    [TestCase("2[null]")]
    [TestCase("2[true]")]
    [TestCase("2[{}]")]
    [TestCase("2[[]]")]
    [TestCase("2{}")]
    [TestCase("2\"a\"")]
    [TestCase("""2["a"]x""")]
    [TestCase("2/a,b")]
    [TestCase("0[1]")]
    [TestCase("0\"x\"")]
    [TestCase("0null")]
    [TestCase("""0{"a":1,}""")]
    [TestCase("1{}")]
    [TestCase("1[]")]
    [TestCase("3{}")]
    [TestCase("3\"a\"")]
    [TestCase("4[1]")]
    [TestCase("2['a']")]
    [TestCase("""2["a",NaN]""")]
    [TestCase("""2["a"/*c*/]""")]
    public void Decode_RejectsInvalidPayloads(string text)
    {
        var error = Assert.Throws<SocketIoProtocolException>(() => new SocketIoPacketDecoder().AddText(Encoding.UTF8.GetBytes(text)));
        Assert.That(error!.Message, Is.EqualTo("invalid payload"));
    }

    [TestCase("7", "unknown packet type 7")]
    [TestCase("9[]", "unknown packet type 9")]
    [TestCase("/x", "unknown packet type NaN")]
    [TestCase("5", "Illegal attachments")]
    [TestCase("""5["a"]""", "Illegal attachments")]
    [TestCase("""50-["a"]""", "Illegal attachments")]
    [TestCase("""5a-["a"]""", "Illegal attachments")]
    [TestCase("""5-1-["a"]""", "Illegal attachments")]
    [TestCase("""6-["a"]""", "Illegal attachments")]
    [TestCase("""511-["a",{}]""", "too many attachments")]
    [TestCase("""6100-[]""", "too many attachments")]
    public void Decode_RejectsBadHeaders_WithTheReferencesMessage(string text, string message)
    {
        var error = Assert.Throws<SocketIoProtocolException>(() => new SocketIoPacketDecoder().AddText(Encoding.UTF8.GetBytes(text)));
        Assert.That(error!.Message, Is.EqualTo(message));
    }

    [Test]
    public void TheAttachmentCap_IsTheDecodersOption()
    {
        var two = Encoding.UTF8.GetBytes("""52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]""");

        var error = Assert.Throws<SocketIoProtocolException>(() => new SocketIoPacketDecoder(maxAttachments: 1).AddText(two));
        Assert.That(error!.Message, Is.EqualTo("too many attachments"));
        var decoder = new SocketIoPacketDecoder(maxAttachments: 2);
        Assert.That(decoder.AddText(two), Is.Null, "two attachments announced, waiting for them");
        Assert.That(decoder.IsReconstructing, Is.True);
    }

    [Test]
    public void ADecoder_KeepsWorkingAfterAPacket()
    {
        var decoder = new SocketIoPacketDecoder();
        Assert.That(decoder.AddText("""2["a"]"""u8)!.Type, Is.EqualTo(SocketIoPacketType.Event));
        Assert.That(decoder.AddText("""31["b"]"""u8)!.Id, Is.EqualTo(1));
        Assert.That(decoder.IsReconstructing, Is.False);
    }

    [Test]
    public void Encode_WritesTheJsonCompactly_InInsertionOrder()
    {
        var data = new JArray("ev", new JObject { ["z"] = 1, ["a"] = new JArray(1, 2), ["m"] = JValue.CreateNull() });
        var text = Encoding.UTF8.GetString(SocketIoPacketEncoder.Encode(new SocketIoPacket(SocketIoPacketType.Event, "/", data)).Text.Span);
        Assert.That(text, Is.EqualTo("""2["ev",{"z":1,"a":[1,2],"m":null}]"""));
    }
}
