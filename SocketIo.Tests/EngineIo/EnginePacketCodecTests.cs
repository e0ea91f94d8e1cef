using System.Runtime.InteropServices;
using System.Text;
using NUnit.Framework;
using SocketIo.Server.EngineIo;

namespace SocketIo.Tests.EngineIo;

/// <summary>Engine.IO v4 packet and payload encoding (protocol.md "Packet types", "Polling payloads").</summary>
[TestFixture]
public sealed class EnginePacketCodecTests
{
    private static string Encode(params EnginePacket[] packets) => Encoding.UTF8.GetString(EnginePacketCodec.EncodePayload(packets));

    private static List<EnginePacket?> Decode(string payload) => EnginePacketCodec.DecodePayload(Encoding.UTF8.GetBytes(payload));

    [Test]
    public void PacketTypes_AreTheWireDigits()
    {
        Assert.That(
            Enum.GetValues<EnginePacketType>().Select(t => $"{(int)t}={t}"),
            Is.EqualTo<string[]>(["0=Open", "1=Close", "2=Ping", "3=Pong", "4=Message", "5=Upgrade", "6=Noop"]));
    }

    [Test]
    public void EncodePayload_JoinsPacketsWithRecordSeparator()
    {
        Assert.That(
            Encode(EnginePacket.Message("hello"), EnginePacket.Ping, EnginePacket.Message("world")),
            Is.EqualTo("4hello\u001e2\u001e4world"));
    }

    [Test]
    public void EncodePayload_OnePacket_HasNoSeparator()
    {
        Assert.That(Encode(EnginePacket.Noop), Is.EqualTo("6"));
    }

    [Test]
    public void EncodePayload_Binary_IsBPlusBase64WithoutTypeDigit()
    {
        Assert.That(Encode(EnginePacket.Binary(new byte[] { 1, 2, 3 })), Is.EqualTo("bAQID"));
        // Standard base64 alphabet with padding, as Node's Buffer.toString("base64").
        Assert.That(
            Encode(EnginePacket.Message("a"), EnginePacket.Binary(new byte[] { 0xff, 0xfe }), EnginePacket.Message("b")),
            Is.EqualTo("4a\u001eb//4=\u001e4b"));
        Assert.That(Encode(EnginePacket.Binary(ReadOnlyMemory<byte>.Empty)), Is.EqualTo("b"));
    }

    [Test]
    public void DecodePayload_SplitsOnRecordSeparator()
    {
        var packets = Decode("4hello\u001e2probe\u001e6\u001e3");

        Assert.That(packets.Select(p => p?.ToString()), Is.EqualTo<string[]>(["4hello", "2probe", "6", "3"]));
        Assert.That(packets.Select(p => p!.IsBinary), Has.All.False);
    }

    [Test]
    public void DecodePayload_BRecord_IsBinaryMessage()
    {
        var packets = Decode("4text\u001ebAQID");

        Assert.That(packets, Has.Count.EqualTo(2));
        Assert.That(packets[1]!.Type, Is.EqualTo(EnginePacketType.Message));
        Assert.That(packets[1]!.IsBinary, Is.True);
        Assert.That(packets[1]!.Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [TestCase("7")]
    [TestCase("9hello")]
    [TestCase("x")]
    [TestCase("/")]
    [TestCase(" 4")]
    public void DecodePayload_UnknownTypeCharacter_IsParseError(string record)
    {
        Assert.That(Decode(record), Is.EqualTo(new EnginePacket?[] { null }));
    }

    [Test]
    public void DecodePayload_EmptyRecord_IsParseError()
    {
        Assert.That(Decode(""), Is.EqualTo(new EnginePacket?[] { null }));
    }

    [Test]
    public void DecodePayload_StopsAtTheFirstBadRecord()
    {
        var afterEmpty = Decode("4a\u001e\u001e4b");
        var afterUnknown = Decode("4a\u001e8x\u001e4b");

        Assert.That(afterEmpty.Select(p => p?.ToString()), Is.EqualTo(new[] { "4a", null }));
        Assert.That(afterUnknown.Select(p => p?.ToString()), Is.EqualTo(new[] { "4a", null }));
    }

    [Test]
    public void TryDecodeText_EveryTypeDigit()
    {
        for (var digit = 0; digit <= 6; digit++)
        {
            Assert.That(EnginePacketCodec.TryDecodeText(Encoding.ASCII.GetBytes($"{digit}data"), out var packet), Is.True);
            Assert.That(packet!.Type, Is.EqualTo((EnginePacketType)digit));
            Assert.That(packet.GetText(), Is.EqualTo("data"));
        }

        Assert.That(EnginePacketCodec.TryDecodeText([], out _), Is.False);
        Assert.That(EnginePacketCodec.TryDecodeText("7"u8, out _), Is.False);
    }

    [Test]
    public void Euro_RoundTripsAsUtf8()
    {
        var packet = EnginePacket.Message("€");

        Assert.That(packet.TextFrame.ToArray(), Is.EqualTo(new byte[] { (byte)'4', 0xE2, 0x82, 0xAC }));
        var encoded = EnginePacketCodec.EncodePayload([packet, packet]);
        Assert.That(encoded, Is.EqualTo("4€\u001e4€"u8.ToArray()));
        var decoded = EnginePacketCodec.DecodePayload(encoded);
        Assert.That(decoded.Select(p => p!.GetText()), Is.EqualTo<string[]>(["€", "€"]));
    }

    [Test]
    public void TextFrame_IsBuiltOnceAndShared()
    {
        var packet = EnginePacket.Message("broadcast");

        var first = packet.TextFrame;
        var second = packet.TextFrame;
        Assert.That(MemoryMarshal.TryGetArray(first, out var a) && MemoryMarshal.TryGetArray(second, out var b) && ReferenceEquals(a.Array, b.Array), Is.True);
        Assert.That(Encoding.UTF8.GetString(first.Span), Is.EqualTo("4broadcast"));
        // Encoding the payload reuses the cached frame rather than rebuilding it.
        _ = EnginePacketCodec.EncodePayload([packet]);
        Assert.That(MemoryMarshal.TryGetArray(packet.TextFrame, out var c) && ReferenceEquals(a.Array, c.Array), Is.True);
    }

    [Test]
    public void TextFrame_OfBinaryPacket_Throws()
    {
        var packet = EnginePacket.Binary(new byte[] { 1 });

        Assert.That(() => packet.TextFrame, Throws.InvalidOperationException);
    }

    [TestCase("b!!!", new byte[0])]
    [TestCase("bAQ", new byte[] { 1 })]
    [TestCase("bAQ==", new byte[] { 1 })]
    [TestCase("bAQID", new byte[] { 1, 2, 3 })]
    [TestCase("bAQ!D", new byte[] { 1, 0 })]
    [TestCase("bAQD", new byte[] { 1, 0 })]
    [TestCase("bAQ==AQ==", new byte[] { 1 })]
    [TestCase("bAQ\nID", new byte[] { 1, 2, 3 })]
    [TestCase("b-_8", new byte[] { 0xfb, 0xff })]
    public void DecodePayload_BRecord_IsLenientLikeNodeBuffer(string record, byte[] expected)
    {
        // Expected values are Node's Buffer.from(record.slice(1), "base64"), which engine.io-parser uses.
        var packets = Decode(record);

        Assert.That(packets, Has.Count.EqualTo(1));
        Assert.That(packets[0]!.IsBinary, Is.True);
        Assert.That(packets[0]!.Data.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void Base64Id_Is20UrlSafeCharacters()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => Base64Id.Generate()).ToList();

        Assert.That(ids, Has.All.Match("^[A-Za-z0-9_-]{20}$"));
        Assert.That(ids.Distinct().Count(), Is.EqualTo(ids.Count));
    }
}
