using System.Net.WebSockets;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>Direct WebSocket sessions: one packet per frame, raw binary frames, size limit (protocol.md "WebSocket").</summary>
[TestFixture]
public sealed class WebSocketTransportTests
{
    [Test]
    public async Task DirectWebSocket_WorksWithoutPolling()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        var (client, handshake, socket) = await host.ConnectDirectWebSocketAsync();

        Assert.That(handshake.Json["upgrades"]!.AsArray(), Is.Empty);
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.WebSocket));
        Assert.That(socket.Upgraded, Is.False);
        Assert.That(host.Server.ClientsCount, Is.EqualTo(1));
        await client.SendTextAsync("4hello");
        Assert.That((await host.Handler.WaitForMessagesAsync(handshake.Sid, 1))[0].Text, Is.EqualTo("hello"));
        socket.Send("back");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("4back"));
    }

    [Test]
    public async Task ClientTextFrames_AreMessages()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, handshake, _) = await host.ConnectDirectWebSocketAsync();

        await client.SendTextAsync("4one");
        await client.SendTextAsync("4€");
        await client.SendTextAsync("4");
        var messages = await host.Handler.WaitForMessagesAsync(handshake.Sid, 3);

        Assert.That(messages.Select(m => m.Text), Is.EqualTo<string[]>(["one", "€", ""]));
        Assert.That(messages.Select(m => m.IsBinary), Has.All.False);
    }

    [Test]
    public async Task ServerSendsOnePacketPerTextFrame()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, _, socket) = await host.ConnectDirectWebSocketAsync();

        socket.SendPackets([EnginePacket.Message("a"), EnginePacket.Message("b"), EnginePacket.Message("€")]);
        socket.Send("c");

        var frames = new List<WebSocketFrame>();
        for (var i = 0; i < 4; i++)
        {
            frames.Add(await client.ReceiveAsync());
        }

        Assert.That(frames.Select(f => f.Type), Has.All.EqualTo(WebSocketMessageType.Text));
        Assert.That(frames.Select(f => f.Text), Is.EqualTo<string[]>(["4a", "4b", "4€", "4c"]));
    }

    [Test]
    public async Task ServerBinary_IsARawBinaryFrame_WithoutTypeDigitOrBase64()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, _, socket) = await host.ConnectDirectWebSocketAsync();

        socket.Send(new byte[] { 0x34, 0, 0xff });
        var frame = await client.ReceiveAsync();

        Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Binary));
        Assert.That(frame.Data, Is.EqualTo(new byte[] { 0x34, 0, 0xff }));
    }

    [Test]
    public async Task ClientBinaryFrame_IsABinaryMessage()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, handshake, _) = await host.ConnectDirectWebSocketAsync();

        await client.SendBinaryAsync([0x34, 1, 2]);
        var message = (await host.Handler.WaitForMessagesAsync(handshake.Sid, 1)).Single();

        Assert.That(message.IsBinary, Is.True);
        Assert.That(message.Data, Is.EqualTo(new byte[] { 0x34, 1, 2 }), "the whole frame is the payload; a leading '4' is data");
    }

    [Test]
    public async Task MessageOfExactlyMaxHttpBufferSize_IsAccepted()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.MaxHttpBufferSize = 100);
        var (client, handshake, socket) = await host.ConnectDirectWebSocketAsync();

        await client.SendTextAsync("4" + new string('x', 99));
        await client.SendBinaryAsync(new byte[100]);
        var messages = await host.Handler.WaitForMessagesAsync(handshake.Sid, 2);

        Assert.That(messages[0].Text, Has.Length.EqualTo(99));
        Assert.That(messages[1].Data, Has.Length.EqualTo(100));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public async Task MessageOverMaxHttpBufferSize_ClosesWith1009_AndTransportError()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.MaxHttpBufferSize = 100);
        var (client, handshake, _) = await host.ConnectDirectWebSocketAsync();

        await client.SendTextAsync("4" + new string('x', 100));
        var frame = await client.ReceiveAsync();
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Close));
        Assert.That(frame.CloseStatus, Is.EqualTo(WebSocketCloseStatus.MessageTooBig));
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportError));
        Assert.That(host.Handler.MessagesOf(handshake.Sid), Is.Empty);
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task AMessageInMorePiecesThanMaxBufferedChunks_ClosesWith1008_AndTransportError()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.MaxBufferedChunks = 3);
        var (client, handshake, _) = await host.ConnectDirectWebSocketAsync();

        await client.SendTextFragmentsAsync("4abc", 3);
        Assert.That((await host.Handler.WaitForMessagesAsync(handshake.Sid, 1)).Single().Text, Is.EqualTo("abc"), "3 pieces are within the limit");
        await client.SendTextFragmentsAsync("4abcd", 4);
        var frame = await client.ReceiveAsync();
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(frame.CloseStatus, Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        Assert.That((closed.Reason, closed.Description), Is.EqualTo((EngineIoCloseReasons.TransportError, (string?)"Too many buffered chunks")));
        Assert.That(host.Handler.MessagesOf(handshake.Sid), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task BinaryOverMaxHttpBufferSize_ClosesWith1009()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.MaxHttpBufferSize = 1000);
        var (client, handshake, _) = await host.ConnectDirectWebSocketAsync();

        await client.SendBinaryAsync(new byte[50_000]);
        var frame = await client.ReceiveAsync();
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(frame.CloseStatus, Is.EqualTo(WebSocketCloseStatus.MessageTooBig));
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportError));
    }

    [Test]
    public async Task ClientClosingTheWebSocket_IsTransportClose()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, handshake, _) = await host.ConnectDirectWebSocketAsync();

        await client.CloseOutputAsync();
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportClose));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task ClientDroppingTheConnection_IsTransportClose()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, handshake, _) = await host.ConnectDirectWebSocketAsync();

        client.Socket.Abort();
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportClose));
    }

    [Test]
    public async Task WebSocketOnly_PollingHandshakeIsRefused()
    {
        await using var host = await KestrelEngineHost.StartAsync(o =>
        {
            o.Transports.Clear();
            o.Transports.Add(EngineIoOptions.WebSocket);
        });

        var (client, _, socket) = await host.ConnectDirectWebSocketAsync();
        using var polling = await host.GetAsync("EIO=4&transport=polling");

        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.WebSocket));
        Assert.That((int)polling.StatusCode, Is.EqualTo(400));
        Assert.That(client.Socket.State, Is.EqualTo(WebSocketState.Open));
    }
}
