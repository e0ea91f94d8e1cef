using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// <c>UseDirectWebSockets</c>: new WebSocket sessions answered on the connection itself, everything else through
/// Kestrel's HTTP stack as before, on one endpoint.
/// </summary>
[TestFixture]
public sealed class DirectWebSocketTests
{
    private DirectWebSocketApp _host = null!;

    private WebApplication App => _host.App;

    private int Port => _host.Port;

    private SocketIoServer Io => _host.Io;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await DirectWebSocketApp.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task ANewWebSocketSession_IsAnsweredOnTheConnection_WithWsHeadersOnly()
    {
        using var raw = await RawHttpConnection.ConnectAsync(Port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(Port, "/socket.io/?EIO=4&transport=websocket"));
        var response = await raw.ReadResponseAsync();
        Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.1 101 Switching Protocols"));
        // Kestrel's HTTP stack would have added Date: its absence shows the connection never reached it.
        Assert.That(
            string.Join("\n", response.Headers.Select(h => h.Key + ": " + h.Value)),
            Is.EqualTo("Upgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }

    [Test]
    public async Task TheSession_WorksEndToEnd_AndKeepsTheHandshakeRequest()
    {
        using var client = await SioRawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{Port}/socket.io/?EIO=4&transport=websocket&room=blue"), o => o.SetRequestHeader("X-Test", "yes"));
        Assert.That(client.Open["upgrades"]!.AsArray(), Is.Empty);
        Assert.That((int)client.Open["pingInterval"]!, Is.EqualTo(25000));
        var sid = await client.ConnectNamespaceAsync();
        var socket = Io.Of("/").Sockets[sid];
        Assert.That(socket.Handshake.Query["room"], Is.EqualTo("blue"));
        Assert.That(socket.Handshake.Headers["x-test"], Is.EqualTo("yes"));
        Assert.That(socket.Handshake.Address, Does.Contain("127.0.0.1"));
        Assert.That(socket.Handshake.Url, Is.EqualTo("/socket.io/?EIO=4&transport=websocket&room=blue"));

        await client.SendAsync("21[\"echo\",\"hi\"]");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("31[\"hi\"]"));

        socket.Disconnect(close: true);
        await client.WaitForCloseAsync();
    }

    [Test]
    public async Task ThePlainEndpoint_IsBoundByTheDirectListener_WhichServesTheSessionOnTheSocket()
    {
        var listener = App.Services.GetRequiredService<DirectSocketListenerFactory>().Listeners.Single();
        var before = listener.DirectSessions;
        using var client = await SioRawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{Port}/socket.io/?EIO=4&transport=websocket"));
        await client.ConnectNamespaceAsync();
        Assert.That(listener.DirectSessions, Is.EqualTo(before + 1));
        Assert.That(listener.OpenConnections, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task AClientsClose_IsAnsweredWithACloseFrame_BeforeTheConnectionEnds()
    {
        using var ws = new System.Net.WebSockets.ClientWebSocket();
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{Port}/socket.io/?EIO=4&transport=websocket"), timeout.Token);
        var buffer = new byte[1024];
        await ws.ReceiveAsync(buffer, timeout.Token); // the open packet

        // CloseAsync completes only once the server's close frame has arrived (else it fails or ends Aborted).
        await ws.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        Assert.That(ws.State, Is.EqualTo(System.Net.WebSockets.WebSocketState.Closed));
        Assert.That(ws.CloseStatus, Is.EqualTo(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure));
    }

    [Test]
    public async Task PollingOnTheSameEndpoint_GoesThroughKestrel()
    {
        using var http = new HttpClient();
        var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{Port}/socket.io/?EIO=4&transport=polling"));
        Assert.That(body, Does.StartWith("0{\"sid\":"));
        Assert.That(body, Does.Contain("\"upgrades\":[\"websocket\"]"));
    }

    [TestCase("/socket.io/?EIO=3&transport=websocket")]
    [TestCase("/socket.io/?EIO=4&transport=websocket&sid=unknown")]
    public async Task AnUpgradeItDoesNotOwn_GetsTheHttpPathsAnswer(string target)
    {
        using var raw = await RawHttpConnection.ConnectAsync(Port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(Port, target));
        var response = await raw.ReadResponseAsync();
        Assert.That(response.StatusCode, Is.EqualTo(400));
    }

    [TestCase("/socket.io/socket.io.js?EIO=4&transport=websocket")]
    [TestCase("/socket.io/x/../?EIO=4&transport=websocket")]
    [TestCase("/socket.io/?EIO=4&transport=websocket", "Origin: http://a", "Origin: http://b")]
    public async Task AnythingButTheExactPathAndOneOrigin_IsServedThroughKestrel(string target, params string[] headers)
    {
        using var raw = await RawHttpConnection.ConnectAsync(Port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(Port, target, headers));
        var response = await raw.ReadResponseAsync();
        Assert.That(response.Header("Date"), Is.Not.Null, "answered by Kestrel's HTTP stack, whatever the answer");
    }

    [Test]
    public void ATinyBudget_StillLeavesOnePlainConnection()
    {
        var options = new KestrelServerOptions();
        DirectWebSocketEndpoints.Mark(options);
        new KestrelConnectionLimitsSetup(1).Configure(options);
        Assert.That(options.Limits.MaxConcurrentConnections, Is.EqualTo(1));
    }

    [Test]
    public void TheConnectionLimits_GiveTheLargerShareToPlainConnections()
    {
        var limits = App.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        if (FileDescriptorBudget.Compute() is null)
        {
            Assert.Ignore("no file-descriptor budget on this platform");
        }

        Assert.That(limits.MaxConcurrentConnections, Is.GreaterThan(limits.MaxConcurrentUpgradedConnections!.Value));
    }
}
