using System.Net;
using System.Net.WebSockets;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>How sessions end, and with which reason (protocol.md "Close", "Engine close reasons").</summary>
[TestFixture]
public sealed class EngineCloseTests
{
    [Test]
    public async Task ClientCloseOverPost_ClosesWithTransportClose_AndThePendingGetGetsNoop()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var pending = await host.StartPendingPollAsync(socket);

        await host.PostOkAsync(handshake.Sid, "1");
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(await pending.WithTimeout("the pending GET"), Is.EqualTo("6"), "noop, not close");
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.TransportClose));
        Assert.That(host.Server.ClientsCount, Is.Zero);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
    }

    [Test]
    public async Task ClientCloseOverPost_StopsDecodingTheRestOfThePayload()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();

        await host.PostOkAsync(handshake.Sid, "4before\u001e1\u001e4after");
        await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(host.Handler.MessagesOf(handshake.Sid).Select(m => m.Text), Is.EqualTo<string[]>(["before"]));
    }

    [Test]
    public async Task ClientCloseOverWebSocket_IsIgnored()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, handshake, socket) = await host.ConnectDirectWebSocketAsync();

        await client.SendTextAsync("1");
        await client.SendTextAsync("4after close packet");
        await host.Handler.WaitForMessageAsync(handshake.Sid, "after close packet");

        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
        socket.Send("still open");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("4still open"));
    }

    [Test]
    public async Task ServerClose_WithPendingGet_AnswersItWithClose_ForcedClose()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        var pending = await host.StartPendingPollAsync(socket);

        socket.Close();
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(await pending.WithTimeout("the pending GET"), Is.EqualTo("1"));
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task ServerClose_WithoutPendingGet_TheNextGetCarriesTheClose_ForcedClose()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();

        socket.Close();
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null, "closing waits for the client's next poll");
        var poll = await host.PollAsync(handshake.Sid);
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        // polling.ts: the poll is "ready" with a close pending, so it triggers an empty send (noop) plus close.
        Assert.That(poll, Is.EqualTo("6\u001e1"));
        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task ServerClose_SendsTheBufferFirst()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();

        socket.Send("bye");
        socket.Close();
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closing));
        socket.Send("dropped: sent after Close");

        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("4bye"));
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("6\u001e1"));
        Assert.That((await host.Handler.WaitForCloseAsync(handshake.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
    }

    [Test]
    public async Task ServerClose_ClientNeverPollsAgain_GivesUpAfterPollingCloseTimeout()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();

        socket.Close();
        host.Time.Advance(host.Options.PollingCloseTimeout - TimeSpan.FromMilliseconds(1));
        Assert.That(host.Handler.CloseOf(handshake.Sid), Is.Null);
        host.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.That((await host.Handler.WaitForCloseAsync(handshake.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task ServerClose_OverWebSocket_SendsTheBufferThenACloseFrame_ForcedClose()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, handshake, socket) = await host.ConnectDirectWebSocketAsync();

        socket.Send("last words");
        socket.Close();

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("4last words"));
        var frame = await client.ReceiveAsync();
        Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Close));
        Assert.That(frame.CloseStatus, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
        Assert.That((await host.Handler.WaitForCloseAsync(handshake.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task UnknownPacketTypeOverPost_ClosesWithParseError()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, _) = await host.ConnectPollingAsync();

        // The POST that closes the session is still answered (polling.ts destroys only an unread data request).
        await host.PostOkAsync(handshake.Sid, "4ok\u001e9what");
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.ParseError));
        Assert.That(host.Handler.MessagesOf(handshake.Sid).Select(m => m.Text), Is.EqualTo<string[]>(["ok"]));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [TestCase("9what")]
    [TestCase("")]
    public async Task UnknownPacketTypeOverWebSocket_ClosesWithParseError(string frame)
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, handshake, _) = await host.ConnectDirectWebSocketAsync();

        await client.SendTextAsync(frame);
        var closed = await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(closed.Reason, Is.EqualTo(EngineIoCloseReasons.ParseError));
        Assert.That((await client.ReceiveAsync()).Type, Is.EqualTo(WebSocketMessageType.Close));
    }

    [Test]
    public async Task CloseAll_ClosesEverySession()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (polling, pollingSocket) = await host.ConnectPollingAsync();
        var (client, direct, _) = await host.ConnectDirectWebSocketAsync();
        var pending = await host.StartPendingPollAsync(pollingSocket);

        host.Server.CloseAll();

        Assert.That(await pending.WithTimeout("the pending GET"), Is.EqualTo("1"));
        Assert.That((await client.ReceiveAsync()).Type, Is.EqualTo(WebSocketMessageType.Close));
        Assert.That((await host.Handler.WaitForCloseAsync(polling.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That((await host.Handler.WaitForCloseAsync(direct.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task SendAfterClose_IsIgnored()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (handshake, socket) = await host.ConnectPollingAsync();
        await host.PostOkAsync(handshake.Sid, "1");
        await host.Handler.WaitForCloseAsync(handshake.Sid);

        Assert.That(() => socket.Send("into the void"), Throws.Nothing);
        Assert.That(() => socket.Close(), Throws.Nothing);
        Assert.That(host.Handler.Closes, Has.Count.EqualTo(1), "the handler hears about a close once");
        using var response = await host.GetAsync(KestrelEngineHost.PollingQuery(handshake.Sid));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task AfterCloseAll_NewHandshakesAreRefused503_AndNoSessionOpens()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (before, _) = await host.ConnectPollingAsync();
        host.Server.CloseAll();
        await host.Handler.WaitForCloseAsync(before.Sid);

        using var polling = await host.GetAsync("EIO=4&transport=polling");
        using var raw = await host.ConnectRawAsync();
        await raw.SendAsync(System.Text.Encoding.ASCII.GetBytes(RawHttpConnection.UpgradeRequest(host.Port, KestrelEngineHost.EnginePath + "?EIO=4&transport=websocket")));
        var upgrade = await raw.ReadResponseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(host.Server.IsClosed, Is.True);
            Assert.That(polling.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(polling.Headers.ConnectionClose, Is.True, "the connection is not kept for another try");
            Assert.That(upgrade.StatusCode, Is.EqualTo(503));
            Assert.That(host.Handler.Connections, Has.Count.EqualTo(1), "only the session from before");
            Assert.That(host.Server.ClientsCount, Is.Zero);
        }
    }
}
