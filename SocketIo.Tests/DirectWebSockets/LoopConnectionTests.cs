using System.Text;
using NUnit.Framework;
using SocketIo.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// Connections the direct listener gives to Kestrel (long-polling here) stay on the engine's event loop
/// (<see cref="LoopConnection"/>): Kestrel parses and answers them on the loop's thread, and a GET released by a
/// handler there is written there too, after the loop's batch (<see cref="EpollLoopContinuations"/>).
/// </summary>
[TestFixture]
public sealed class LoopConnectionTests
{
    [Test]
    public async Task Polling_ByDefault_RunsTheHandlerOnTheEnginesIoThread_AndWritesTheReleasedGetThere()
    {
        Assume.That(EpollLoop.IsSupported, "the event loop is Linux x64 only");
        await using var host = await DirectWebSocketApp.StartAsync();
        var written = RecordWhere(host);
        using var client = await OpenPollingAsync(host);

        var answer = await WhereAsync(client);

        Assert.That(answer, Does.Match("^31\\[\"SocketIo I/O \\d+\\|pool=False\"\\]$"), "Kestrel ran the POST on the loop");
        Assert.That(await written.Reader.ReadAsync().AsTask().WithTimeout("the send callback"), Does.StartWith("SocketIo I/O "), "the GET was written on the loop");
    }

    [Test]
    public async Task Polling_WithTheLoopTurnedOff_RunsOnTheThreadPool()
    {
        await using var host = await DirectWebSocketApp.StartAsync(direct: o => o.EventLoop = false);
        var written = RecordWhere(host);
        using var client = await OpenPollingAsync(host);

        var answer = await WhereAsync(client);

        Assert.That(answer, Does.EndWith("|pool=True\"]"));
        Assert.That(answer, Does.Not.Contain("SocketIo I/O"));
        Assert.That(await written.Reader.ReadAsync().AsTask().WithTimeout("the send callback"), Does.Not.StartWith("SocketIo I/O "));
    }

    [Test]
    public async Task ABodyOfManyReads_AndAResponseOfManySegments_ArriveWhole()
    {
        await using var host = await DirectWebSocketApp.StartAsync();
        using var client = await OpenPollingAsync(host);
        var text = string.Concat(Enumerable.Range(0, 30_000).Select(i => (char)('a' + (i % 26)))) + "é€"; // ≈ 30 KB, multi-byte at the end

        var poll = client.ReceiveAsync();
        await client.PostAsync($"21[\"echo\",\"{text}\"]");
        Assert.That(await poll.WithTimeout("the echo"), Is.EqualTo(new[] { $"31[\"{text}\"]" }));
    }

    [Test]
    public async Task AClientThatDropsItsPendingGet_ClosesTheSession()
    {
        await using var host = await DirectWebSocketApp.StartAsync();
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.OnConnection((socket, _) =>
        {
            socket.OnDisconnect(r =>
            {
                reason.TrySetResult(r.ToString());
                return ValueTask.CompletedTask;
            });
            return ValueTask.CompletedTask;
        });
        using var client = await OpenPollingAsync(host);

        using (var raw = await RawHttpConnection.ConnectAsync(host.Port))
        {
            await raw.SendAsync($"GET /socket.io/?EIO=4&transport=polling&sid={client.Sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            await Signals.UntilAsync(() => host.Io.Engine.TryGetClient(client.Sid, out var s) && s!.Transport.Writable, "the GET to be pending");
        }

        Assert.That(await reason.Task.WithTimeout("the disconnect"), Does.Contain("Transport").IgnoreCase);
    }

    [Test]
    public async Task AResponseKestrelEndsTheConnectionWith_IsWrittenBeforeTheClose()
    {
        await using var host = await DirectWebSocketApp.StartAsync();
        using var raw = await RawHttpConnection.ConnectAsync(host.Port);
        // Request headers past Kestrel's 32 KiB limit: 431, then Kestrel closes the connection.
        var huge = new string('x', 40_000);
        await raw.SendAsync($"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {huge}\r\n\r\n");

        var response = await raw.ReadResponseAsync();
        Assert.That(response.StatusCode, Is.EqualTo(431));
        Assert.That(await raw.WaitForPeerCloseAsync(), Is.True);
    }

    [Test]
    public async Task KeepAliveRequests_OnOneConnection_AreAnsweredInOrder()
    {
        await using var host = await DirectWebSocketApp.StartAsync();
        using var raw = await RawHttpConnection.ConnectAsync(host.Port);
        // Three handshakes written at once: Kestrel reads them from one receive and answers each.
        var request = "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        await raw.SendAsync(Encoding.ASCII.GetBytes(request + request + request));
        for (var i = 0; i < 3; i++)
        {
            var response = await raw.ReadResponseAsync();
            Assert.That(response.StatusCode, Is.EqualTo(200));
            Assert.That(response.BodyText, Does.StartWith("0{\"sid\":"));
        }
    }

    private static async Task<SioPollingClient> OpenPollingAsync(DirectWebSocketApp host)
    {
        // Two connections: the GET's, and one for the POSTs, warm after the first (a third, opened by a POST while the
        // other's response is being returned to the pool, would be read on the thread pool: the first request is).
        var client = new SioPollingClient(new Uri($"http://127.0.0.1:{host.Port}"), maxConnections: 2);
        await client.OpenAsync();
        await client.PostAsync("0");
        var connected = await client.ReceiveAsync();
        Assert.That(connected[0], Does.StartWith("0{\"sid\":"));
        return client;
    }

    /// <summary>Emits "where" with a poll pending; returns its ack, once the engine message sent beside it has arrived too.</summary>
    private static async Task<string> WhereAsync(SioPollingClient client)
    {
        var poll = client.ReceiveAsync(); // pending while the POST's handler answers, or answered from what it buffered
        // The POSTs go on a second connection. Its first request is read before Kestrel starts the connection on the
        // thread pool (data already in the pipe); a keep-alive connection's later requests are read on the loop.
        await client.PostAsync("2[\"warm-up\"]");
        await client.PostAsync("21[\"where\"]");
        var received = new List<string>(await poll.WithTimeout("the first answer"));
        while (!received.Contains("x") || !received.Exists(p => p.StartsWith("31", StringComparison.Ordinal)))
        {
            received.AddRange(await client.ReceiveAsync().WithTimeout("the rest"));
        }

        return received.Single(p => p.StartsWith("31", StringComparison.Ordinal));
    }

    /// <summary>
    /// A "where" event acked with the handler's thread, which also sends the engine message <c>x</c>; the thread its
    /// send callback runs on (once the GET carrying it is written) is recorded.
    /// </summary>
    private static System.Threading.Channels.Channel<string> RecordWhere(DirectWebSocketApp host)
    {
        var written = System.Threading.Channels.Channel.CreateUnbounded<string>();
        host.Io.OnConnection((socket, _) =>
        {
            socket.On("where", e =>
            {
                Assert.That(host.Io.Engine.TryGetClient(socket.Conn.Id, out var engineSocket), Is.True);
                engineSocket!.Send("x", compress: false, callback: _ => written.Writer.TryWrite(Thread.CurrentThread.Name ?? "(unnamed)"));
                return e.AckAsync($"{Thread.CurrentThread.Name}|pool={Thread.CurrentThread.IsThreadPoolThread}");
            });
            return ValueTask.CompletedTask;
        });
        return written;
    }
}
