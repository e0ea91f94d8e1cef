using System.Net.Sockets;
using NUnit.Framework;
using SocketIo.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// <see cref="DirectWebSocketsOptions.EventLoop"/>: direct sessions read, handle and answer their messages on the
/// engine's own I/O threads (<see cref="EpollLoop"/>), or, turned off, on the runtime's sockets and the thread pool.
/// </summary>
[TestFixture]
public sealed class DirectWebSocketEventLoopTests
{
    [Test]
    public async Task ByDefault_AMessagesHandler_RunsOnTheEnginesIoThread_AndAnswersFromThereAndFromTheThreadPool()
    {
        Assume.That(EpollLoop.IsSupported, "the event loop is Linux x64 only");
        await using var host = await DirectWebSocketApp.StartAsync();
        RegisterWhere(host);
        using var client = await SioRawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}/socket.io/?EIO=4&transport=websocket"));
        await client.ConnectNamespaceAsync();

        await client.SendAsync("21[\"where\"]");
        Assert.That(await client.ReceiveTextAsync(), Does.Match("^31\\[\"SocketIo I/O \\d+\\|pool=False\"\\]$"));
        // An answer written after an await (a thread-pool thread, not the loop's): the send lane writes it.
        await client.SendAsync("22[\"later\"]");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("32[\"pool=True\"]"));
    }

    [Test]
    public async Task ByDefault_ANewSession_IsAcceptedAndOpenedOnTheEnginesIoThread_AndUnbindingEndsTheAccepting()
    {
        Assume.That(EpollLoop.IsSupported, "the event loop is Linux x64 only");
        var host = await DirectWebSocketApp.StartAsync();
        var listener = host.Listener;
        var opened = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.Engine.OnConnection(_ => opened.TrySetResult(Thread.CurrentThread.Name));
        try
        {
            Assert.That(listener.AcceptsOnEventLoop, Is.True);
            using var client = await SioRawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}/socket.io/?EIO=4&transport=websocket"));
            // The engine session opens in the accepting thread's run (the peek, the upgrade), not on the thread pool.
            Assert.That(await opened.Task.WithTimeout("the session to open"), Does.StartWith("SocketIo I/O "));
        }
        finally
        {
            await host.DisposeAsync();
        }

        await listener.AcceptLoop.WithTimeout("the accept loop to end once unbound");
    }

    [Test]
    public async Task ByDefault_TheUpgradesAnswer_WaitsForTheOpenPacket_AndBothArriveInOneSegment()
    {
        Assume.That(EpollLoop.IsSupported, "the event loop is Linux x64 only");
        await using var host = await DirectWebSocketApp.StartAsync();
        // A first session, so that the measured one is surely accepted on the loop (a connection already waiting when
        // the accepting starts is served from the thread that starts it).
        using (var first = await SioRawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}/socket.io/?EIO=4&transport=websocket")))
        {
            await first.ConnectNamespaceAsync();
        }

        // The engine's connection handler runs after the 101 is answered and before the batch ends: it holds the loop
        // until the client has read something, or for half a second. A 101 written on its own would be read by then.
        using var clientRead = new ManualResetEventSlim();
        var readBeforeTheHandlerReturned = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.Engine.OnConnection(_ => readBeforeTheHandlerReturned.TrySetResult(clientRead.Wait(TimeSpan.FromMilliseconds(500))));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, host.Port);
        var buffer = new byte[4096];
        var receive = socket.ReceiveAsync(buffer.AsMemory()).AsTask();
        _ = receive.ContinueWith(_ => clientRead.Set(), TaskScheduler.Default);
        var head = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(head));

        var read = await receive.WithTimeout("the upgrade's answer");

        Assert.That(await readBeforeTheHandlerReturned.Task.WithTimeout("the connection handler"), Is.False, "nothing was written before the open packet was queued");
        var text = System.Text.Encoding.Latin1.GetString(buffer, 0, read);
        Assert.That(text, Does.StartWith("HTTP/1.1 101 Switching Protocols\r\n"));
        var body = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.That(body, Does.StartWith("\u0081").And.Contain("0{\"sid\":"), "the open packet's frame in the same read");
    }

    [Test]
    public async Task TurnedOff_TheListenerAcceptsWithTheRuntimesSockets()
    {
        await using var host = await DirectWebSocketApp.StartAsync(direct: o => o.EventLoop = false);
        var opened = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.Engine.OnConnection(_ => opened.TrySetResult(Thread.CurrentThread.IsThreadPoolThread));
        Assert.That(host.Listener.AcceptsOnEventLoop, Is.False);
        using var client = await SioRawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}/socket.io/?EIO=4&transport=websocket"));
        Assert.That(await opened.Task.WithTimeout("the session to open"), Is.True);
    }

    [Test]
    public async Task TurnedOff_AMessagesHandler_RunsOnTheThreadPool()
    {
        await using var host = await DirectWebSocketApp.StartAsync(direct: o => o.EventLoop = false);
        RegisterWhere(host);
        using var client = await SioRawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}/socket.io/?EIO=4&transport=websocket"));
        await client.ConnectNamespaceAsync();

        await client.SendAsync("21[\"where\"]");
        var answer = await client.ReceiveTextAsync();
        Assert.That(answer, Does.EndWith("|pool=True\"]"));
        Assert.That(answer, Does.Not.Contain("SocketIo I/O"));
    }

    [Test]
    public void ASocketsSlot_IsGivenToTheNextSocket_WithAnotherGeneration_SoThatALateEventForTheFirstIsDropped()
    {
        Assume.That(EpollLoop.IsSupported, "the event loop is Linux x64 only");
        var loop = EpollLoop.Next()!;
        using var a = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var b = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var first = DirectSocketIo.Create(a, eventLoop: false);
        Assert.That(loop.Register(first, (int)a.Handle), Is.True);
        var slot = first.Slot;
        var generation = first.Generation;
        loop.Unregister(first, (int)a.Handle);
        Assert.That(first.Slot, Is.EqualTo(-1));

        var second = DirectSocketIo.Create(b, eventLoop: false);
        Assert.That(loop.Register(second, (int)b.Handle), Is.True);
        try
        {
            Assert.That(second.Slot, Is.EqualTo(slot), "the freed slot is reused");
            Assert.That(second.Generation, Is.Not.EqualTo(generation), "an event keyed with the first's generation does not match");
        }
        finally
        {
            loop.Unregister(second, (int)b.Handle);
        }
    }

    private static void RegisterWhere(DirectWebSocketApp host) => host.Io.OnConnection((socket, _) =>
    {
        socket.On("where", e => e.AckAsync($"{Thread.CurrentThread.Name}|pool={Thread.CurrentThread.IsThreadPoolThread}"));
        socket.On("later", async e =>
        {
            await Task.Yield(); // on to the thread pool
            await e.AckAsync($"pool={Thread.CurrentThread.IsThreadPoolThread}");
        });
        return ValueTask.CompletedTask;
    });
}
