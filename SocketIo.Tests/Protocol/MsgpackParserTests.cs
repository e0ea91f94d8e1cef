using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server.Protocol;
using SocketIo.Server.Protocol.Msgpack;

namespace SocketIo.Tests.Protocol;

/// <summary>
/// The msgpack parser against npm socket.io-msgpack-parser 3.0.2 (notepack.io 2.2.0). Every hex string was produced
/// by its <c>Encoder</c> in Node from the packet objects socket.io 4.8.4 and socket.io-client 4.8.4 build.
/// </summary>
[TestFixture]
public sealed class MsgpackParserTests
{
    private static string Hex(SocketIoPacket packet) => Convert.ToHexStringLower(MsgpackPacketEncoder.Encode(packet).Span);

    private static SocketIoPacket Decode(string hex) => MsgpackPacketDecoder.Decode(Convert.FromHexString(hex));

    private static string Refusal(string hex) =>
        Assert.Throws<SocketIoProtocolException>(() => Decode(hex))!.Message;

    [Test]
    public void AnEvent_IsWrittenAsSocketIoEmitsIt_TypeDataNsp_BytesAsBin()
    {
        var packet = new SocketIoPacket(SocketIoPacketType.Event, "/", new JArray("news", 1, "é", new JValue(new byte[] { 1, 2 })));
        Assert.That(Hex(packet), Is.EqualTo("83a47479706502a46461746194a46e65777301a2c3a9c4020102a36e7370a12f"));
    }

    [Test]
    public void AnEventWithAck_PutsTheIdBeforeTheNamespace()
    {
        var packet = new SocketIoPacket(SocketIoPacketType.Event, "/chat", new JArray("q"), 7);
        Assert.That(Hex(packet), Is.EqualTo("84a47479706502a46461746191a171a2696407a36e7370a52f63686174"));
    }

    [Test]
    public void AnAck_StartsWithItsId_AndWritesDatesAsNotepack2Does()
    {
        var date = DateTimeOffset.FromUnixTimeMilliseconds(1700000000123).UtcDateTime;
        var packet = new SocketIoPacket(SocketIoPacketType.Ack, "/", new JArray(new JObject { ["a"] = null, ["d"] = date }), 300);
        Assert.That(Hex(packet), Is.EqualTo("84a26964cd012ca47479706503a4646174619182a161c0a164d7000000018bcfe5687ba36e7370a12f"));
    }

    [Test]
    public void BinaryTypes_AreWrittenAsPlainEventAndAck_ThereAreNoAttachments()
    {
        var binary = new SocketIoPacket(SocketIoPacketType.BinaryEvent, "/", new JArray("news", 1, "é", new JValue(new byte[] { 1, 2 })));
        Assert.That(Hex(binary), Is.EqualTo("83a47479706502a46461746194a46e65777301a2c3a9c4020102a36e7370a12f"));
    }

    [Test]
    public void ConnectAndConnectError_KeepTheirUndefinedMembers_AsNodeWritesThem()
    {
        var connect = new SocketIoPacket(SocketIoPacketType.Connect, "/", new JObject { ["sid"] = "abc", ["pid"] = JValue.CreateUndefined() });
        Assert.That(Hex(connect), Is.EqualTo("83a47479706500a46461746182a3736964a3616263a3706964d40000a36e7370a12f"));

        var refused = new SocketIoPacket(SocketIoPacketType.ConnectError, "/mw", new JObject { ["message"] = "not authorized", ["data"] = JValue.CreateUndefined() });
        Assert.That(Hex(refused), Is.EqualTo("83a47479706504a46461746182a76d657373616765ae6e6f7420617574686f72697a6564a464617461d40000a36e7370a32f6d77"));

        var withData = new SocketIoPacket(SocketIoPacketType.ConnectError, "/mw", new JObject { ["message"] = "not authorized", ["data"] = new JObject { ["reason"] = "bad token" } });
        Assert.That(Hex(withData), Is.EqualTo("83a47479706504a46461746182a76d657373616765ae6e6f7420617574686f72697a6564a46461746181a6726561736f6ea962616420746f6b656ea36e7370a32f6d77"));
    }

    [Test]
    public void ADisconnect_IsTypeAndNamespace()
    {
        Assert.That(Hex(new SocketIoPacket(SocketIoPacketType.Disconnect, "/", null)), Is.EqualTo("82a47479706501a36e7370a12f"));
    }

    [Test]
    public void TheClientsPackets_Decode_WithBinaryInPlace()
    {
        // socket.io-client: { type: 0, data: undefined, nsp: "/" }
        var connect = Decode("83a47479706500a464617461d40000a36e7370a12f");
        Assert.That((connect.Type, connect.Namespace, connect.Data, connect.Id), Is.EqualTo((SocketIoPacketType.Connect, "/", (JToken?)null, (long?)null)));

        var auth = Decode("83a47479706500a46461746181a5746f6b656ea576616c6964a36e7370a32f6d77");
        Assert.That(JToken.DeepEquals(auth.Data, new JObject { ["token"] = "valid" }), Is.True);
        Assert.That(auth.Namespace, Is.EqualTo("/mw"));

        // { type: 2, data: ["echo", Buffer [1,2,3], ArrayBuffer [4]], options: { compress: true }, id: 1, nsp: "/" }
        var ev = Decode("85a47479706502a46461746193a46563686fc403010203c7010004a76f7074696f6e7381a8636f6d7072657373c3a2696401a36e7370a12f");
        Assert.That(ev.Type, Is.EqualTo(SocketIoPacketType.Event));
        Assert.That(ev.Id, Is.EqualTo(1));
        var args = (JArray)ev.Data!;
        Assert.That((string?)args[0], Is.EqualTo("echo"));
        Assert.That((byte[]?)args[1], Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That((byte[]?)args[2], Is.EqualTo(new byte[] { 4 }), "a Node ArrayBuffer travels as notepack 2's ext type 0");

        var ack = Decode("84a47479706503a36e7370a12fa2696405a4646174619181a178cb3ff8000000000000");
        Assert.That((ack.Type, ack.Id), Is.EqualTo((SocketIoPacketType.Ack, (long?)5)));
        Assert.That((double)ack.Data![0]!["x"]!, Is.EqualTo(1.5));
    }

    [Test]
    public void WhatTheEncoderWrites_DecodesToTheSamePacket()
    {
        var packet = new SocketIoPacket(SocketIoPacketType.Event, "/dyn-1", new JArray("e", new JObject { ["b"] = new JValue(new byte[300]) }), 12);
        var back = MsgpackPacketDecoder.Decode(MsgpackPacketEncoder.Encode(packet));
        Assert.That((back.Type, back.Namespace, back.Id), Is.EqualTo((packet.Type, packet.Namespace, packet.Id)));
        Assert.That(JToken.DeepEquals(back.Data, packet.Data), Is.True);
    }

    // checkPacket's refusals, with its messages.
    [TestCase("82a474797065a3616263a36e7370a12f", "invalid packet type", TestName = "A string type is refused")]
    [TestCase("82a47479706505a36e7370a12f", "invalid packet type", TestName = "Type 5 (BINARY_EVENT) does not exist in msgpack")]
    [TestCase("82a474797065cb4000cccccccccccda36e7370a12f", "invalid packet type", TestName = "A fractional type is refused")]
    [TestCase("93020304", "invalid packet type", TestName = "An array is not a packet")]
    [TestCase("c0", "invalid packet type", TestName = "nil is not a packet")]
    [TestCase("82a47479706502a46461746191a161", "invalid namespace", TestName = "A packet without nsp is refused")]
    [TestCase("83a47479706502a46461746191a161a36e7370c0", "invalid namespace", TestName = "A nil nsp is refused")]
    [TestCase("82a47479706502a36e7370a12f", "invalid payload", TestName = "An event without data is refused")]
    [TestCase("83a47479706502a46461746190a36e7370a12f", "invalid payload", TestName = "An event without a name is refused")]
    [TestCase("83a47479706502a46461746191aa646973636f6e6e656374a36e7370a12f", "invalid payload", TestName = "An event named disconnect is refused")]
    [TestCase("83a47479706500a464617461c0a36e7370a12f", "invalid payload", TestName = "A CONNECT with nil data is refused")]
    [TestCase("83a47479706501a46461746180a36e7370a12f", "invalid payload", TestName = "A DISCONNECT with data is refused")]
    [TestCase("83a47479706503a464617461a178a36e7370a12f", "invalid payload", TestName = "An ACK with a string is refused")]
    [TestCase("84a47479706502a46461746191a161a26964cb3ff8000000000000a36e7370a12f", "invalid packet id", TestName = "A fractional ack id is refused")]
    [TestCase("84a47479706502a46461746191a161a26964a131a36e7370a12f", "invalid packet id", TestName = "A string ack id is refused")]
    public void AMalformedPacket_IsRefused_WithTheReferenceMessage(string hex, string message)
    {
        Assert.That(Refusal(hex), Is.EqualTo(message));
    }

    [TestCase("83a47479706502a4646174", TestName = "A truncated packet is refused")]
    [TestCase("83a47479706502a46461746191db7fffffff", TestName = "A string announcing 2 GB is refused before anything is allocated")]
    [TestCase("83a47479706502a464617461ddffffffff", TestName = "An array announcing 4 billion items is refused")]
    [TestCase("82a47479706501a36e7370a12f00", TestName = "Trailing bytes are refused")]
    [TestCase("", TestName = "An empty message is refused")]
    [TestCase("c1", TestName = "The never-used prefix c1 is refused")]
    public void BytesThatAreNotOneMsgpackValue_AreRefused(string hex)
    {
        Assert.That(Refusal(hex), Does.StartWith("msgpack parser: "));
    }

    [Test]
    public void ATextMessage_IsRefused_AsTheReferenceCannotDecodeAString()
    {
        var error = Assert.Throws<SocketIoProtocolException>(() => new MsgpackPacketDecoder().AddText("0"u8));
        Assert.That(error!.Message, Does.Contain("text message"));
    }

    [Test]
    public void AnIntegralFloatId_IsAnInteger_AsNumberIsIntegerSaysInJs()
    {
        Assert.That(Decode("84a47479706502a46461746191a161a26964cb4000000000000000a36e7370a12f").Id, Is.EqualTo(2));
    }
}
