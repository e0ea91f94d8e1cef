using System.Text;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Server.EngineIo.V3;

namespace SocketIo.Tests.EngineIo.V3;

/// <summary>
/// Engine.IO v3 packets and payloads as engine.io 6.6's parser-v3 writes and reads them (bytes observed from the Node
/// twin with <c>allowEIO3: true</c> and socket.io-client 2.5.0).
/// </summary>
[TestFixture]
public sealed class EngineV3CodecTests
{
    private static string EncodeText(params EnginePacket[] packets)
    {
        var bytes = EngineV3Codec.EncodePayload(packets, supportsBinary: false, out var isBinary);
        Assert.That(isBinary, Is.False);
        return Encoding.UTF8.GetString(bytes);
    }

    private static List<string?> DecodeText(string body) =>
        EngineV3Codec.DecodeTextPayload(Encoding.UTF8.GetBytes(body)).Select(p => p?.ToString()).ToList();

    [Test]
    public void EncodePayload_LengthPrefixesInUtf16Units()
    {
        // "é€" are one unit each, "😀" two (a surrogate pair): the record "4hié€😀" is 3 + 2 + 2 = 7 units, 12 UTF-8 bytes.
        Assert.That(EncodeText(EnginePacket.Message("hié€😀"), EnginePacket.Pong), Is.EqualTo("7:4hié€😀1:3"));
    }

    [Test]
    public void EncodePayload_Empty_IsZeroColon()
    {
        Assert.That(EncodeText(), Is.EqualTo("0:"));
    }

    [Test]
    public void EncodePayload_BinaryForABase64Client_IsB4Base64()
    {
        Assert.That(EncodeText(EnginePacket.Binary(new byte[] { 1, 2, 3 })), Is.EqualTo("6:b4AQID"));
    }

    [Test]
    public void EncodePayload_BinaryForABinaryClient_IsTheBinaryPayloadFormat()
    {
        var bytes = EngineV3Codec.EncodePayload([EnginePacket.Message("é"), EnginePacket.Binary(new byte[] { 9, 8 })], supportsBinary: true, out var isBinary);

        Assert.That(isBinary, Is.True);
        // [0 = string][length 3 as digit bytes][255]["4é" in UTF-8] then [1 = binary][length 3][255][type 4][data].
        Assert.That(bytes, Is.EqualTo(new byte[] { 0, 3, 255, (byte)'4', 0xC3, 0xA9, 1, 3, 255, 4, 9, 8 }));
    }

    [Test]
    public void EncodePayload_TextOnlyForABinaryClient_StaysText()
    {
        var bytes = EngineV3Codec.EncodePayload([EnginePacket.Message("x")], supportsBinary: true, out var isBinary);
        Assert.That(isBinary, Is.False);
        Assert.That(Encoding.UTF8.GetString(bytes), Is.EqualTo("2:4x"));
    }

    [Test]
    public void DecodeTextPayload_SplitsByUtf16Lengths_AndSkipsEmptyRecords()
    {
        Assert.That(DecodeText("2:4x0:7:4é€😀hi1:2"), Is.EqualTo<string?[]>(["4x", "4é€😀hi", "2"]));
    }

    [Test]
    public void DecodeTextPayload_Base64Record_IsABinaryMessage()
    {
        var packets = EngineV3Codec.DecodeTextPayload("6:b4AQID"u8);
        Assert.That(packets, Has.Count.EqualTo(1));
        Assert.That(packets[0]!.IsBinary, Is.True);
        Assert.That(packets[0]!.Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void DecodeTextPayload_Base64IsLenient_AsNodesBuffer()
    {
        // Characters outside the alphabet are skipped, decoding stops at '=': Buffer.from("A!Q=ID", "base64") is [1].
        var packets = EngineV3Codec.DecodeTextPayload("8:b4A!Q=ID"u8);
        Assert.That(packets[0]!.Data.ToArray(), Is.EqualTo(new byte[] { 1 }));
    }

    [TestCase("", TestName = "empty body")]
    [TestCase("x:4a", TestName = "length not a number")]
    [TestCase(":4a", TestName = "empty length")]
    [TestCase("9:4a", TestName = "length past the body")]
    [TestCase("2:9x", TestName = "unknown packet type")]
    [TestCase("2:4a12345678901:4", TestName = "a length of more than ten digits")]
    public void DecodeTextPayload_Malformed_IsAParseError(string body)
    {
        Assert.That(DecodeText(body).Last(), Is.Null);
    }

    [Test]
    public void DecodeTextPayload_PacketsBeforeTheError_AreKept_AsParserV3DeliversThem()
    {
        Assert.That(DecodeText("1:2junk"), Is.EqualTo<string?[]>(["2", null]));
    }

    [Test]
    public void DecodeBinaryPayload_StringAndBinaryRecords()
    {
        var packets = EngineV3Codec.DecodeBinaryPayload(new byte[] { 0, 3, 255, (byte)'4', 0xC3, 0xA9, 1, 3, 255, 4, 9, 8 });

        Assert.That(packets.Select(p => p?.ToString()), Is.EqualTo<string?[]>(["4é", "Message <2 bytes>"]));
        Assert.That(packets[1]!.Data.ToArray(), Is.EqualTo(new byte[] { 9, 8 }));
    }

    [TestCase(new byte[] { 2, 1, 255, 4 }, TestName = "unknown record kind")]
    [TestCase(new byte[] { 0, 1, 2 }, TestName = "no length end")]
    [TestCase(new byte[] { 0, 12, 255, 4 }, TestName = "a length byte that is not a digit")]
    [TestCase(new byte[] { 0, 5, 255, 4 }, TestName = "record past the body")]
    [TestCase(new byte[] { 0, 255, 4 }, TestName = "no length digits")]
    public void DecodeBinaryPayload_MalformedFraming_YieldsOnlyTheError(byte[] body)
    {
        Assert.That(EngineV3Codec.DecodeBinaryPayload(body), Is.EqualTo(new EnginePacket?[] { null }));
    }

    [Test]
    public void BinaryFrames_CarryTheTypeByte()
    {
        var packet = EnginePacket.Binary(new byte[] { 7 });
        Assert.That(EngineV3Codec.EncodeBinaryFrame(packet), Is.EqualTo(new byte[] { 4, 7 }));
        var decoded = EngineV3Codec.DecodeBinaryFrame([4, 7, 7]);
        Assert.That(decoded.IsBinary, Is.True);
        Assert.That(decoded.Data.ToArray(), Is.EqualTo(new byte[] { 7, 7 }));
        Assert.That(EngineV3Codec.DecodeBinaryFrame([42, 1]).Type, Is.EqualTo(EnginePacketType.Noop), "an unknown type is ignored, not an error");
    }

    [Test]
    public void DecodeText_TextFrames()
    {
        Assert.That(EngineV3Codec.DecodeText("2probe"u8)?.ToString(), Is.EqualTo("2probe"));
        Assert.That(EngineV3Codec.DecodeText("b4AQID"u8)!.IsBinary, Is.True);
        Assert.That(EngineV3Codec.DecodeText("7"u8), Is.Null);
        Assert.That(EngineV3Codec.DecodeText(""u8), Is.Null);
    }

    [Test]
    public void Utf16Length_CountsSurrogatePairsAsTwo()
    {
        Assert.That(EngineV3Codec.Utf16Length(Encoding.UTF8.GetBytes("aé€😀")), Is.EqualTo("aé€😀".Length));
    }
}
