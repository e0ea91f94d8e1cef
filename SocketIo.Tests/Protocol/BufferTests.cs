using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.Protocol;

/// <summary>
/// Binary attachments (socket.io-parser test/buffer.js; protocol.md "Binary"): bytes at any depth become
/// placeholders counted in traversal order, and the decoder's limits of npm socket.io-parser 4.2.7.
/// </summary>
[TestFixture]
public sealed class BufferTests
{
    private static (string Text, string[] Attachments) Encode(SocketIoPacket packet)
    {
        var encoded = SocketIoPacketEncoder.Encode(packet);
        return (Encoding.UTF8.GetString(encoded.Text.Span), encoded.Attachments.Select(a => Convert.ToHexString(a.Span)).ToArray());
    }

    private static SocketIoProtocolException DecodeFails(SocketIoPacketDecoder decoder, params object[] frames)
    {
        return Assert.Throws<SocketIoProtocolException>(() =>
        {
            foreach (var frame in frames)
            {
                if (frame is string text)
                {
                    decoder.AddText(Encoding.UTF8.GetBytes(text));
                }
                else
                {
                    decoder.AddBinary((byte[])frame);
                }
            }
        })!;
    }

    [Test]
    public void AnEventWithBytes_BecomesABinaryEvent_WithOnePlaceholder()
    {
        var packet = new SocketIoPacket(SocketIoPacketType.Event, "/", new JArray("bin", new byte[] { 1, 2, 3 }));

        var (text, attachments) = Encode(packet);

        Assert.That(text, Is.EqualTo("""51-["bin",{"_placeholder":true,"num":0}]"""));
        Assert.That(attachments, Is.EqualTo<string[]>(["010203"]));
    }

    [Test]
    public void BytesAtAnyDepth_AreNumberedInTraversalOrder()
    {
        var data = new JArray(
            "bin",
            new byte[] { 1 },
            new JObject { ["n"] = new JObject { ["deep"] = new JArray(new byte[] { 2 }, new byte[] { 3 }) } });
        var packet = new SocketIoPacket(SocketIoPacketType.Event, "/x", data, 7);

        var (text, attachments) = Encode(packet);

        // socket.io-parser: encoder.encode({type: 2, nsp: "/x", id: 7, data: ["bin", Buffer, {n: {deep: [Buffer, Buffer]}}]})
        Assert.That(text, Is.EqualTo("""53-/x,7["bin",{"_placeholder":true,"num":0},{"n":{"deep":[{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]}}]"""));
        Assert.That(attachments, Is.EqualTo<string[]>(["01", "02", "03"]));
        Assert.That(data[1]!.Type, Is.EqualTo(JTokenType.Bytes), "the packet's own data is left untouched");
    }

    [Test]
    public void AnAckWithBytes_BecomesABinaryAck()
    {
        var (text, attachments) = Encode(new SocketIoPacket(SocketIoPacketType.Ack, "/", new JArray(new byte[] { 9 }), 5));

        Assert.That(text, Is.EqualTo("""61-5[{"_placeholder":true,"num":0}]"""));
        Assert.That(attachments, Is.EqualTo<string[]>(["09"]));
    }

    [Test]
    public void AnEmptyByteArray_IsAnAttachmentToo()
    {
        var (text, attachments) = Encode(new SocketIoPacket(SocketIoPacketType.Event, "/", new JArray("e", Array.Empty<byte>())));

        Assert.That(text, Is.EqualTo("""51-["e",{"_placeholder":true,"num":0}]"""));
        Assert.That(attachments, Is.EqualTo<string[]>([string.Empty]));
    }

    [Test]
    public void NetBinaryTypes_BecomeAttachments_AtAnyDepth()
    {
        var args = new object?[]
        {
            new byte[] { 1 },
            (ReadOnlyMemory<byte>)new byte[] { 2 },
            new JValue(new byte[] { 3 }),
            new { inner = new byte[] { 4 }, list = new[] { new byte[] { 5 } } },
            new Dictionary<string, object> { ["memory"] = (ReadOnlyMemory<byte>)new byte[] { 6 }, ["segment"] = new ArraySegment<byte>([0, 7, 0], 1, 1) },
        };

        var (text, attachments) = Encode(new SocketIoPacket(SocketIoPacketType.Event, "/", JsonArgs.Default.EventArray("bin", args)));

        Assert.That(text, Is.EqualTo(
            """57-["bin",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2},"""
            + """{"inner":{"_placeholder":true,"num":3},"list":[{"_placeholder":true,"num":4}]},"""
            + """{"memory":{"_placeholder":true,"num":5},"segment":{"_placeholder":true,"num":6}}]"""));
        Assert.That(attachments, Is.EqualTo<string[]>(["01", "02", "03", "04", "05", "06", "07"]));
    }

    [Test]
    public void HasBinary_LooksAtEveryDepth()
    {
        Assert.That(SocketIoPacketEncoder.HasBinary(JToken.Parse("""["a",{"b":[1,{"c":null}]}]""")), Is.False);
        Assert.That(SocketIoPacketEncoder.HasBinary(new JArray("a", new JObject { ["b"] = new JArray(1, new JObject { ["c"] = Array.Empty<byte>() }) })), Is.True);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(5)]
    [TestCase(10)]
    public void Decode_ReassemblesOneToTenAttachments(int count)
    {
        var decoder = new SocketIoPacketDecoder();
        var placeholders = string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"_placeholder":true,"num":{{i}}}"""));

        Assert.That(decoder.AddText(Encoding.UTF8.GetBytes($"5{count}-/n,4[\"a\",{placeholders}]")), Is.Null);
        SocketIoPacket? packet = null;
        for (var i = 0; i < count; i++)
        {
            Assert.That(decoder.IsReconstructing, Is.True);
            packet = decoder.AddBinary([(byte)i, 0xFF]);
            Assert.That(packet is null, Is.EqualTo(i < count - 1));
        }

        Assert.That(decoder.IsReconstructing, Is.False);
        Assert.That(packet!.Type, Is.EqualTo(SocketIoPacketType.BinaryEvent));
        Assert.That(packet.Namespace, Is.EqualTo("/n"));
        Assert.That(packet.Id, Is.EqualTo(4));
        var data = (JArray)packet.Data!;
        Assert.That(data, Has.Count.EqualTo(count + 1));
        for (var i = 0; i < count; i++)
        {
            Assert.That((byte[])data[i + 1]!, Is.EqualTo(new[] { (byte)i, (byte)0xFF }));
        }
    }

    [Test]
    public void Decode_ReplacesPlaceholdersAtAnyDepth_ByIndex()
    {
        var decoder = new SocketIoPacketDecoder();
        decoder.AddText("""62-/n,3[{"x":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0}],{"_placeholder":false,"num":0}]"""u8);
        decoder.AddBinary([0xAA]);
        var packet = decoder.AddBinary([0xBB]);

        Assert.That(packet!.Type, Is.EqualTo(SocketIoPacketType.BinaryAck));
        var data = (JArray)packet.Data!;
        Assert.That((byte[])data[0]!["x"]!, Is.EqualTo(new byte[] { 0xBB }));
        Assert.That((byte[])data[1]![0]!, Is.EqualTo(new byte[] { 0xAA }));
        Assert.That(data[2]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("""{"_placeholder":false,"num":0}"""), "not a placeholder: left as is");
    }

    [Test]
    public void EncodeThenDecode_GivesTheSameBytesBack()
    {
        var data = new JArray("e", new JObject { ["a"] = new byte[] { 1, 2 }, ["b"] = new JArray(new byte[] { 3 }) });
        var encoded = SocketIoPacketEncoder.Encode(new SocketIoPacket(SocketIoPacketType.Event, "/z", data, 42));

        var decoder = new SocketIoPacketDecoder();
        SocketIoPacket? packet = decoder.AddText(encoded.Text.Span);
        foreach (var attachment in encoded.Attachments)
        {
            packet = decoder.AddBinary(attachment.ToArray());
        }

        Assert.That(packet!.Id, Is.EqualTo(42));
        Assert.That(JToken.DeepEquals(packet.Data, data), Is.True, packet.Data!.ToString());
    }

    [TestCase("""51-["a",{"_placeholder":true,"num":1}]""")]
    [TestCase("""51-["a",{"_placeholder":true,"num":-1}]""")]
    [TestCase("""51-["a",{"_placeholder":true,"num":"0"}]""")]
    [TestCase("""51-["a",{"_placeholder":true}]""")]
    public void Decode_APlaceholderOutOfRange_IsIllegalAttachments(string text)
    {
        var error = DecodeFails(new SocketIoPacketDecoder(), text, new byte[] { 1 });
        Assert.That(error.Message, Is.EqualTo("illegal attachments"));
    }

    [Test]
    public void Decode_TextWhileReconstructing_IsAnError()
    {
        var error = DecodeFails(new SocketIoPacketDecoder(), """51-["a",{"_placeholder":true,"num":0}]""", """2["b"]""");
        Assert.That(error.Message, Is.EqualTo("got plaintext data when reconstructing a packet"));
    }

    [Test]
    public void Decode_BinaryWhenNotReconstructing_IsAnError()
    {
        var error = DecodeFails(new SocketIoPacketDecoder(), new byte[] { 1 });
        Assert.That(error.Message, Is.EqualTo("got binary data when not reconstructing a packet"));
    }

    [Test]
    public void Decode_ABinaryEventWithAReservedName_IsInvalid()
    {
        var error = DecodeFails(new SocketIoPacketDecoder(), """51-["disconnect",{"_placeholder":true,"num":0}]""");
        Assert.That(error.Message, Is.EqualTo("invalid payload"));
    }

    [Test]
    public void Reset_DropsAHalfReceivedPacket()
    {
        var decoder = new SocketIoPacketDecoder();
        decoder.AddText("""52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"""u8);
        decoder.AddBinary([1]);

        decoder.Reset();

        Assert.That(decoder.IsReconstructing, Is.False);
        Assert.That(decoder.AddText("""2["b"]"""u8)!.Data!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("""["b"]"""));
    }
}
