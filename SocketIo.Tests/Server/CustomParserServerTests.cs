using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Protocol;
using SocketIo.Tests.ExternalAdapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// <see cref="SocketIoOptions.Parser"/> set to a parser written outside the server assembly (Node: any object with an
/// <c>Encoder</c> and a <c>Decoder</c> as the <c>parser</c> option), end to end over a raw WebSocket: its format is what
/// goes out and what is read, a broadcast is encoded once, and whatever its decoder throws or returns closes only the
/// connection that sent it, with a log line.
/// </summary>
[TestFixture]
public sealed class CustomParserServerTests
{
    private static Task Send(SioRawClient client, SocketIoPacket packet) => client.SendAsync(JsonDocumentParser.Write(packet));

    private static async Task<SocketIoPacket> ReceivePacketAsync(SioRawClient client) => JsonDocumentParser.Read(await client.ReceiveTextAsync());

    private static async Task<SioRawClient> ConnectAsync(SioTestHost host)
    {
        var client = await host.OpenAsync();
        await Send(client, new SocketIoPacket(SocketIoPacketType.Connect, "/", null));
        var connect = await ReceivePacketAsync(client);
        Assert.That(connect.Type, Is.EqualTo(SocketIoPacketType.Connect));
        return client;
    }

    [Test]
    public async Task EventsAndAcks_BothWays_TravelInTheParsersFormat_WithBytes()
    {
        var parser = new JsonDocumentParser();
        await using var host = await SioTestHost.StartAsync(o => o.Parser = parser);
        var asked = new TaskCompletionSource<JToken?>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.OnConnection((socket, _) =>
        {
            socket.On("echo", e => e.AckAsync(e.Args.ToArray()));
            socket.On("ask me", async e => asked.TrySetResult(await socket.Timeout(TimeSpan.FromSeconds(10)).EmitWithAckAsync("question", 7)));
            return ValueTask.CompletedTask;
        });
        var client = await ConnectAsync(host);

        var bytes = new byte[] { 0, 1, 255 };
        await Send(client, new SocketIoPacket(SocketIoPacketType.BinaryEvent, "/", new JArray("echo", "x", new JValue(bytes)), 4));
        var ack = await ReceivePacketAsync(client);
        Assert.That((ack.Type, ack.Id, (string?)ack.Data![0]), Is.EqualTo((SocketIoPacketType.Ack, (long?)4, "x")), "the server hands the encoder an ack; binary types are the format's business");
        Assert.That((byte[]?)ack.Data[1], Is.EqualTo(bytes));

        await Send(client, new SocketIoPacket(SocketIoPacketType.Event, "/", new JArray("ask me")));
        var question = await ReceivePacketAsync(client);
        Assert.That((string?)question.Data![0], Is.EqualTo("question"));
        await Send(client, new SocketIoPacket(SocketIoPacketType.Ack, "/", new JArray("answer"), question.Id));
        Assert.That((string?)await asked.Task.WithTimeout("the server's ack"), Is.EqualTo("answer"));
    }

    [Test]
    public async Task ABroadcast_IsEncodedOnce_AndEveryClientGetsTheSameText()
    {
        var parser = new JsonDocumentParser();
        await using var host = await SioTestHost.StartAsync(o => o.Parser = parser);
        var clients = new[] { await ConnectAsync(host), await ConnectAsync(host), await ConnectAsync(host) };
        var before = parser.Encodes;

        await host.Io.EmitAsync("news", 1);

        foreach (var client in clients)
        {
            Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""{"type":2,"nsp":"/","data":["news",1]}"""));
        }

        Assert.That(parser.Encodes - before, Is.EqualTo(1), "one encode for three recipients");
    }

    [TestCase("{not json", TestName = "A custom decoder that throws a non-protocol exception closes only its connection, with a log line")]
    [TestCase("""{"type":2,"data":["x"]}""", TestName = "A custom decoder's packet without a namespace closes only its connection, with a log line")]
    [TestCase("""{"type":2,"nsp":"/","data":[{"a":1}]}""", TestName = "A custom decoder's event without a name closes only its connection, with a log line")]
    [TestCase("""{"type":3,"nsp":"/","data":[1]}""", TestName = "A custom decoder's ack without an id closes only its connection, with a log line")]
    [TestCase("""{"type":9,"nsp":"/"}""", TestName = "A custom decoder's unknown packet type closes only its connection, with a log line")]
    public async Task WhatACustomDecoderGetsWrong_ClosesOnlyThatConnection(string text)
    {
        await using var host = await SioTestHost.StartAsync(o => o.Parser = new JsonDocumentParser(), logLevel: LogLevel.Information);
        var bad = await ConnectAsync(host);
        var good = await ConnectAsync(host);

        await bad.SendAsync(text);
        await bad.WaitForCloseAsync();

        Assert.That(host.Logs.Entries.Select(e => e.Message), Has.Some.Contains("invalid Socket.IO packet").And.Contains(bad.EngineSid));
        await host.Io.EmitAsync("still", "here");
        Assert.That((string?)(await ReceivePacketAsync(good)).Data![0], Is.EqualTo("still"));
    }

    [Test]
    public void TheBuiltInParsers_EncodeThroughThePublicSeam_AsTheyDoOnTheWire()
    {
        var packet = new SocketIoPacket(SocketIoPacketType.BinaryEvent, "/", new JArray("x", new JValue(new byte[] { 1, 2 })));

        var json = SocketIoParser.Default.Encode(packet);
        Assert.That(json.Select(m => m.IsBinary), Is.EqualTo((bool[])[false, true]));
        Assert.That(json[0].GetText(), Is.EqualTo("""51-["x",{"_placeholder":true,"num":0}]"""));
        Assert.That(json[1].Data.ToArray(), Is.EqualTo(new byte[] { 1, 2 }));

        var msgpack = SocketIoParser.Msgpack.Encode(packet);
        Assert.That(msgpack.Select(m => m.IsBinary), Is.EqualTo((bool[])[true]));
        Assert.That(SocketIo.Server.Protocol.Msgpack.MsgpackPacketDecoder.Decode(msgpack[0].Data).Data!.ToString(), Is.EqualTo(packet.Data!.ToString()));

        var decoder = SocketIoParser.Default.CreateDecoder(new SocketIoOptions());
        Assert.That(decoder.AddText(System.Text.Encoding.UTF8.GetBytes(json[0].GetText())), Is.Null, "waits for its attachment");
        Assert.That((byte[]?)decoder.AddBinary(json[1].Data)!.Data![1], Is.EqualTo(new byte[] { 1, 2 }));
    }

    [Test]
    public void AParserNeedsAName()
    {
        Assert.Throws<ArgumentException>(() => _ = new NamelessParser());
    }

    private sealed class NamelessParser() : SocketIoParser(" ")
    {
        public override IReadOnlyList<EncodedMessage> Encode(SocketIoPacket packet) => [];

        public override ISocketIoPacketDecoder CreateDecoder(SocketIoOptions options) => throw new NotSupportedException();
    }
}
