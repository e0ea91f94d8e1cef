using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Protocol;
using SocketIo.Server.Protocol.Msgpack;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// <see cref="SocketIoOptions.Parser"/> = <see cref="SocketIoParser.Msgpack"/> end to end over a raw WebSocket: every
/// packet is one binary message, bad input closes only its own connection with a log line.
/// </summary>
[TestFixture]
public sealed class MsgpackParserServerTests
{
    private static byte[] Msgpack(SocketIoPacket packet) => MsgpackPacketEncoder.Encode(packet).ToArray();

    private static async Task<SocketIoPacket> ReceivePacketAsync(SioRawClient client)
    {
        var frame = await client.ReceiveBinaryAsync();
        return MsgpackPacketDecoder.Decode(frame);
    }

    private static async Task<SioRawClient> ConnectAsync(SioTestHost host)
    {
        var client = await host.OpenAsync();
        await client.SendBinaryAsync(Msgpack(new SocketIoPacket(SocketIoPacketType.Connect, "/", null)));
        var connect = await ReceivePacketAsync(client);
        Assert.That(connect.Type, Is.EqualTo(SocketIoPacketType.Connect));
        return client;
    }

    [Test]
    public async Task EventsAndAcks_TravelAsBinaryMessages_WithBytesInPlace()
    {
        await using var host = await SioTestHost.StartAsync(o => o.Parser = SocketIoParser.Msgpack);
        host.Io.OnConnection((socket, _) =>
        {
            socket.On("echo", e => e.AckAsync(e.Args.ToArray()));
            return ValueTask.CompletedTask;
        });
        var client = await ConnectAsync(host);

        var bytes = new byte[] { 0, 1, 255 };
        await client.SendBinaryAsync(Msgpack(new SocketIoPacket(SocketIoPacketType.Event, "/", new JArray("echo", "x", new JValue(bytes)), 4)));
        var ack = await ReceivePacketAsync(client);

        Assert.That((ack.Type, ack.Id), Is.EqualTo((SocketIoPacketType.Ack, (long?)4)));
        Assert.That((byte[]?)ack.Data![1], Is.EqualTo(bytes), "bytes come back as a bin value, not an attachment");
        Assert.That(client.Drain(), Is.Empty, "one message per packet");
    }

    [Test]
    public async Task ABroadcast_ReachesEveryMsgpackClient_AsTheSameBinaryMessage()
    {
        await using var host = await SioTestHost.StartAsync(o => o.Parser = SocketIoParser.Msgpack);
        var a = await ConnectAsync(host);
        var b = await ConnectAsync(host);

        await host.Io.EmitAsync("news", 1);

        foreach (var client in new[] { a, b })
        {
            var frame = await client.ReceiveBinaryAsync();
            Assert.That(Convert.ToHexStringLower(frame), Is.EqualTo("83a47479706502a46461746192a46e65777301a36e7370a12f"));
        }
    }

    [TestCase("83a47479706502a4646174", TestName = "A truncated msgpack packet closes only its connection, with a log line")]
    [TestCase("82a47479706502a46461746191a161", TestName = "A msgpack packet without nsp closes only its connection, with a log line")]
    [TestCase("83a474797065a178a464617461c0a36e7370a12f", TestName = "A msgpack packet with a string type closes only its connection, with a log line")]
    [TestCase("83a47479706502a46461746191db7fffffffa36e7370a12f", TestName = "A msgpack string announcing 2 GB closes only its connection, with a log line")]
    public async Task MalformedMsgpack_ClosesOnlyThatConnection_WithALogLine(string hex)
    {
        await using var host = await SioTestHost.StartAsync(o => o.Parser = SocketIoParser.Msgpack, logLevel: LogLevel.Information);
        var bad = await ConnectAsync(host);
        var good = await ConnectAsync(host);

        await bad.SendBinaryAsync(Convert.FromHexString(hex));
        await bad.WaitForCloseAsync();

        Assert.That(host.Logs.Entries.Select(e => e.Message), Has.Some.Contains("invalid Socket.IO packet").And.Contains(bad.EngineSid));
        await host.Io.EmitAsync("still", "here");
        var packet = await ReceivePacketAsync(good);
        Assert.That((string?)packet.Data![0], Is.EqualTo("still"));
    }

    [Test]
    public async Task AClientWithTheDefaultParser_IsRefused_ItsTextConnectClosesItsConnection()
    {
        await using var host = await SioTestHost.StartAsync(o => o.Parser = SocketIoParser.Msgpack, logLevel: LogLevel.Information);
        var wrong = await host.OpenAsync();

        await wrong.SendAsync("0");
        await wrong.WaitForCloseAsync();

        Assert.That(host.Logs.Entries.Select(e => e.Message), Has.Some.Contains("text message").And.Contains(wrong.EngineSid));
        Assert.That(host.Io.Sockets.Sockets, Is.Empty);
    }

    [Test]
    public async Task AMsgpackClient_AgainstTheDefaultParser_IsRefused()
    {
        await using var host = await SioTestHost.StartAsync();
        var wrong = await host.OpenAsync();

        await wrong.SendBinaryAsync(Msgpack(new SocketIoPacket(SocketIoPacketType.Connect, "/", null)));
        await wrong.WaitForCloseAsync();

        Assert.That(host.Io.Sockets.Sockets, Is.Empty);
    }

    [Test]
    public void TheParser_DefaultsToJson_AndMustBeSet()
    {
        Assert.That(new SocketIoOptions().Parser, Is.SameAs(SocketIoParser.Default));
        Assert.That(SocketIoParser.Msgpack.Name, Is.EqualTo("msgpack"));
        var error = Assert.Throws<ArgumentException>(() => _ = new SocketIoServer(new SocketIoOptions { Parser = null! }));
        Assert.That(error!.Message, Does.Contain("Parser"));
    }
}
