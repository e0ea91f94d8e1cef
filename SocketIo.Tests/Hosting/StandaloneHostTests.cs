using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Hosting;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Hosting;

/// <summary>
/// <see cref="SocketIoHost.RunAsync"/> in this process: the token stops it the way a signal does (Node's
/// <c>io.close()</c>: sockets leave with "server shutting down", the listener closes). The signals themselves are
/// in <see cref="StandaloneHostProcessTests"/>.
/// </summary>
[TestFixture]
public sealed class StandaloneHostTests
{
    [Test]
    public async Task RunAsync_UntilItsTokenIsCancelled_ThenDisconnectsEveryClient_AndReleasesThePort()
    {
        await using var host = await SocketIoHost.ListenAsync(0).WithTimeout("Kestrel to start");
        var reasons = new SioRecorder<DisconnectReason>();
        host.Server.OnConnection((socket, _) =>
        {
            socket.OnDisconnect(reasons.AddAsync);
            return ValueTask.CompletedTask;
        });
        using var webSocket = await SioRawClient.ConnectAsync(new Uri($"ws://{host.Url.Authority}/socket.io/?EIO=4&transport=websocket"));
        await webSocket.ConnectNamespaceAsync();
        using var polling = new SioPollingClient(host.Url);
        await polling.OpenAsync();
        await polling.PostAsync("0");
        Assert.That((await polling.ReceiveAsync())[0], Does.StartWith("0{\"sid\""));
        var session = host.Server.Engine.Clients.Single(c => c.Id == polling.Sid);
        var pendingGet = polling.PollAsync();
        await Signals.UntilAsync(() => session.IsWritable || pendingGet.IsCompleted, "the GET is pending on the server");
        using var stop = new CancellationTokenSource();

        var run = host.RunAsync(stop.Token);
        Assert.That(run.IsCompleted, Is.False, "it serves until asked to stop");
        await stop.CancelAsync();
        await run.WithTimeout("RunAsync to stop the host");

        Assert.That(await reasons.WaitForAsync(2, "both sockets to leave"), Is.EqualTo<DisconnectReason[]>([DisconnectReason.ServerShuttingDown, DisconnectReason.ServerShuttingDown]));
        Assert.That(await pendingGet.WithTimeout("the pending GET"), Is.EqualTo<string[]>(["1"]), "the pending GET gets the engine close, as in Node");
        await webSocket.WaitForCloseAsync();
        Assert.That(webSocket.Drain(), Is.Empty, "Node sends no DISCONNECT on io.close(): the transport just closes");
        using var probe = new TcpClient();
        Assert.That(
            async () => await probe.ConnectAsync(IPAddress.Loopback, host.Url.Port),
            Throws.InstanceOf<SocketException>().With.Property(nameof(SocketException.SocketErrorCode)).EqualTo(SocketError.ConnectionRefused),
            "the port is released");
    }

    [Test]
    public async Task RunAsync_AfterStopAsync_ReturnsAtOnce_AndDisposingAfterwardsIsSafe()
    {
        var host = await SocketIoHost.ListenAsync(0).WithTimeout("Kestrel to start");
        await host.StopAsync().WithTimeout("the host to stop");

        await host.RunAsync().WithTimeout("RunAsync of a stopped host");
        await host.StopAsync().WithTimeout("a second stop");
        await host.DisposeAsync().AsTask().WithTimeout("disposal after the stops");
    }

    [Test]
    public async Task RunAsync_WithACancelledToken_StopsAtOnce_AndDisposingAfterwardsIsSafe()
    {
        var host = await SocketIoHost.ListenAsync(0).WithTimeout("Kestrel to start");

        await host.RunAsync(new CancellationToken(canceled: true)).WithTimeout("RunAsync to stop the host");

        Assert.That(host.Server.Engine.IsClosed, Is.True, "stopped before RunAsync returns, not at disposal");
        await host.DisposeAsync().AsTask().WithTimeout("disposal after the run");
    }
}
