using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// <see cref="DirectSocketListener"/>, Kestrel's listener on an endpoint marked <c>UseDirectWebSockets</c>: it serves
/// new WebSocket sessions on the socket itself and hands every other connection to Kestrel with its bytes unread,
/// counting both against <c>MaxConcurrentConnections</c>.
/// </summary>
[TestFixture]
public sealed class DirectSocketListenerTests
{
    private const string WebSocketPath = "/socket.io/?EIO=4&transport=websocket";

    /// <summary>A running app whose one endpoint is bound by the direct listener.</summary>
    private sealed class TestHost : IAsyncDisposable
    {
        private readonly Channel<byte[]> _handedOver = Channel.CreateUnbounded<byte[]>();
        private readonly Channel<byte[]> _toHttp = Channel.CreateUnbounded<byte[]>();

        private DirectWebSocketApp _app = null!;

        public WebApplication App => _app.App;

        public int Port => _app.Port;

        public DirectSocketListener Listener => _app.Listener;

        public SocketIoServer Io => _app.Io;

        public Uri WebSocketUri => new($"ws://127.0.0.1:{Port}{WebSocketPath}");

        public static async Task<TestHost> StartAsync(long? maxConcurrentConnections = null)
        {
            // Kestrel's connection middleware runs for the connections the direct listener hands over. The first one
            // sees every such connection; the one after UseDirectWebSockets only those its middleware passes on to
            // the HTTP stack. Both record the first bytes and leave them unread.
            var host = new TestHost();
            host._app = await DirectWebSocketApp.StartAsync(
                beforeDirect: listen => listen.Use(next => async connection =>
                {
                    host._handedOver.Writer.TryWrite(await PeekAsync(connection));
                    await next(connection);
                }),
                afterDirect: listen => listen.Use(next => async connection =>
                {
                    host._toHttp.Writer.TryWrite(await PeekAsync(connection));
                    await next(connection);
                }),
                maxConcurrentConnections: maxConcurrentConnections);
            return host;
        }

        /// <summary>The first bytes Kestrel was handed on the next connection the direct listener gave it.</summary>
        public Task<byte[]> NextHandedOverAsync() => NextAsync(_handedOver, "No connection was handed to Kestrel.");

        /// <summary>The first bytes of the next connection that reached Kestrel's HTTP stack (past the direct middleware).</summary>
        public Task<byte[]> NextToHttpAsync() => NextAsync(_toHttp, "No connection reached Kestrel's HTTP stack.");

        /// <summary>Whether a connection was handed to Kestrel and has not been looked at (never waits).</summary>
        public bool AnyHandedOver => _handedOver.Reader.TryPeek(out _);

        private static async Task<byte[]> NextAsync(Channel<byte[]> channel, string failure)
        {
            using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
            try
            {
                return await channel.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException(failure);
            }
        }

        private static async Task<byte[]> PeekAsync(ConnectionContext connection)
        {
            var first = await connection.Transport.Input.ReadAsync();
            var bytes = first.Buffer.ToArray();
            connection.Transport.Input.AdvanceTo(first.Buffer.Start);
            return bytes;
        }

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync().WithTimeout("the host to stop");
            await _app.DisposeAsync();
        }
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        return socket;
    }

    /// <summary>Reads until the server ends the connection: what arrived, and false when it was still open at the timeout.</summary>
    private static async Task<(byte[] Received, bool Closed)> ReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }

            return (received.ToArray(), true);
        }
        catch (SocketException)
        {
            return (received.ToArray(), true); // reset
        }
        catch (OperationCanceledException)
        {
            return (received.ToArray(), false);
        }
    }

    /// <summary>Reads until <paramref name="enough"/> holds for what arrived, failing on EOF or after the timeout.</summary>
    private static async Task<byte[]> ReadUntilAsync(Socket socket, Func<byte[], bool> enough)
    {
        var received = Array.Empty<byte>();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        while (!enough(received))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"The server closed the connection after: {Encoding.Latin1.GetString(received)}");
            }

            received = [.. received, .. buffer.AsSpan(0, read)];
        }

        return received;
    }

    /// <summary>The opcodes of the whole frames behind a response head in <paramref name="bytes"/>; none while the head is incomplete.</summary>
    private static List<int> FramesAfterHead(byte[] bytes)
    {
        var headEnd = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        return headEnd < 0 ? [] : Opcodes(bytes.AsSpan(headEnd + 4));
    }

    /// <summary>Sends without failing the test when the server has already dropped the connection.</summary>
    private static async Task TrySendAsync(Socket socket, byte[] bytes)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
            await socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
        }
        catch (SocketException)
        {
            // Reset by the server: what the test looks at is the read side.
        }
    }

    /// <summary>The opcodes of the (unmasked, server) frames in <paramref name="bytes"/>, a partial last one ignored.</summary>
    private static List<int> Opcodes(ReadOnlySpan<byte> bytes)
    {
        var opcodes = new List<int>();
        while (bytes.Length >= 2)
        {
            var length7 = bytes[1] & 0x7F;
            var header = length7 == 126 ? 4 : length7 == 127 ? 10 : 2;
            if (bytes.Length < header)
            {
                break;
            }

            var length = length7 switch
            {
                126 => BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
                127 => (long)BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]),
                _ => length7,
            };
            if (bytes.Length < header + length)
            {
                break;
            }

            opcodes.Add(bytes[0] & 0x0F);
            bytes = bytes[(int)(header + length)..];
        }

        return opcodes;
    }

    [Test]
    public async Task ASilentConnection_IsHandedToKestrel_OnceTheFirstRequestTimeoutPassesOnTheServersClock()
    {
        var time = new FakeTimeProvider();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await DirectWebSocketApp.StartAsync(
            beforeDirect: listen => listen.Use(next => connection =>
            {
                arrived.TrySetResult();
                return next(connection);
            }),
            configure: o => o.TimeProvider = time);
        using var silent = await RawHttpConnection.ConnectAsync(app.Port);
        await Signals.UntilAsync(() => app.Listener.OpenConnections == 1, "the listener to accept the connection");
        var start = time.GetUtcNow();

        // The listener's wait may begin a moment after the accept: advance in steps until the hand-over, bounded far
        // below the 10 s a system-clock timeout would take.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (!arrived.Task.IsCompleted)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "handed over on the server's clock, not the system's");
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        Assert.That(time.GetUtcNow() - start, Is.GreaterThanOrEqualTo(DirectWebSocketAdmission.FirstRequestTimeout));
        Assert.That(app.Listener.DirectSessions, Is.Zero);
    }

    [Test]
    public async Task AHeadSplitOverTwoWrites_IsHandedToKestrel_WhichStillUpgrades()
    {
        await using var host = await TestHost.StartAsync();
        var sessionsBefore = host.Listener.DirectSessions;
        var request = Encoding.ASCII.GetBytes(RawHttpConnection.UpgradeRequest(host.Port, WebSocketPath));
        var firstHalf = request[..(request.Length / 2)];
        using var raw = await RawHttpConnection.ConnectAsync(host.Port);

        await raw.SendAsync(firstHalf);
        // The second half goes only once the listener has peeked at the first and given the connection to Kestrel
        // (and the direct middleware has looked at it too), so the head is split for both whatever the timing.
        var seen = await host.NextToHttpAsync();
        await raw.SendAsync(request[firstHalf.Length..]);
        var response = await raw.ReadResponseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen, Is.Not.Empty);
            Assert.That(firstHalf.AsSpan().StartsWith(seen), Is.True, "Kestrel is handed the bytes from the first one on");
            Assert.That(response.StatusCode, Is.EqualTo(101));
            Assert.That(response.Header("Date"), Is.Not.Null, "answered by Kestrel's HTTP stack");
            Assert.That(host.Listener.DirectSessions, Is.EqualTo(sessionsBefore), "not served directly");
        }
    }

    [Test]
    public async Task AfterIoClose_ANewWebSocketIsHandedToKestrel_WhichRefusesIt503()
    {
        await using var host = await TestHost.StartAsync();
        var sessionsBefore = host.Listener.DirectSessions;
        await host.Io.CloseAsync();
        using var raw = await RawHttpConnection.ConnectAsync(host.Port);

        await raw.SendAsync(Encoding.ASCII.GetBytes(RawHttpConnection.UpgradeRequest(host.Port, WebSocketPath)));
        var response = await raw.ReadResponseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(503));
            Assert.That(response.Header("Date"), Is.Not.Null, "answered by Kestrel's HTTP stack");
            Assert.That(host.Listener.DirectSessions, Is.EqualTo(sessionsBefore), "not served directly");
            Assert.That(host.Io.Engine.ClientsCount, Is.Zero);
        }
    }

    [Test]
    public async Task APollingRequest_GoesToKestrel_AndItsConnectionCountsUntilItCloses()
    {
        await using var host = await TestHost.StartAsync();
        var openBefore = host.Listener.OpenConnections;
        var sessionsBefore = host.Listener.DirectSessions;

        using (var http = new HttpClient())
        {
            var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{host.Port}/socket.io/?EIO=4&transport=polling")).WithTimeout("the polling handshake");
            Assert.That(body, Does.StartWith("0{\"sid\":"));
            Assert.That(host.Listener.OpenConnections, Is.EqualTo(openBefore + 1), "the kept-alive connection is counted");
            Assert.That(Encoding.ASCII.GetString(await host.NextToHttpAsync()), Does.StartWith("GET /socket.io/?EIO=4&transport=polling "));
        }

        await Signals.UntilAsync(() => host.Listener.OpenConnections == openBefore, "the closed connection is no longer counted");
        Assert.That(host.Listener.DirectSessions, Is.EqualTo(sessionsBefore));
    }

    [Test]
    public async Task ATlsClientHello_IsHandedToKestrelUntouched()
    {
        await using var host = await TestHost.StartAsync();
        var sessionsBefore = host.Listener.DirectSessions;
        byte[] hello = [0x16, 0x03, 0x01, 0x00, 0x31, 0x01, 0x00, 0x00, 0x2D, 0x03, 0x03, .. Enumerable.Range(0, 32).Select(i => (byte)i), 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00];
        using var socket = await ConnectAsync(host.Port);

        await TrySendAsync(socket, hello);
        var seen = await host.NextHandedOverAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen, Is.Not.Empty);
            Assert.That(hello.AsSpan().StartsWith(seen), Is.True, "Kestrel reads the record from its first byte");
            Assert.That(host.Listener.DirectSessions, Is.EqualTo(sessionsBefore), "not served directly");
        }

        // Kestrel's HTTP stack reads it as a malformed request line (the record holds a line feed: no end of stream
        // is needed, and none is sent, since an end of stream arriving with the bytes may close the connection before
        // the answer is written).
        var (received, closed) = await ReadToEndAsync(socket);
        var answer = Encoding.Latin1.GetString(received);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(closed, Is.True);
            Assert.That(answer, Does.StartWith("HTTP/1.1 400 "));
            Assert.That(answer, Does.Contain("\r\nDate: "), "answered by Kestrel's HTTP stack");
        }
    }

    [Test]
    public async Task AClientThatClosesWithoutSendingAnything_IsHandedOver_AndNoLongerCounted()
    {
        await using var host = await TestHost.StartAsync();
        var openBefore = host.Listener.OpenConnections;
        var sessionsBefore = host.Listener.DirectSessions;

        using (var socket = await ConnectAsync(host.Port))
        {
            socket.Shutdown(SocketShutdown.Send);
            Assert.That(await host.NextHandedOverAsync(), Is.Empty, "Kestrel sees the end of the stream");
        }

        await Signals.UntilAsync(() => host.Listener.OpenConnections == openBefore, "the closed connection is no longer counted");
        Assert.That(host.Listener.DirectSessions, Is.EqualTo(sessionsBefore));
    }

    [Test]
    public async Task PastMaxConcurrentConnections_ANewConnectionIsClosedUnanswered_AndTheOthersGoOn()
    {
        await using var host = await TestHost.StartAsync(maxConcurrentConnections: 2);
        var first = await SioRawClient.ConnectAsync(host.WebSocketUri);
        try
        {
            using var second = await SioRawClient.ConnectAsync(host.WebSocketUri);
            Assert.That(host.Listener.OpenConnections, Is.EqualTo(2));
            Assert.That(host.Listener.DirectSessions, Is.EqualTo(2), "both served on the socket");

            using (var third = await ConnectAsync(host.Port))
            {
                await TrySendAsync(third, Encoding.ASCII.GetBytes(RawHttpConnection.UpgradeRequest(host.Port, WebSocketPath)));
                var (received, closed) = await ReadToEndAsync(third);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(closed, Is.True, "the server closes the third connection");
                    Assert.That(Encoding.ASCII.GetString(received), Is.Empty, "without an answer (no 101)");
                    Assert.That(host.Listener.DirectSessions, Is.EqualTo(2));
                    Assert.That(host.AnyHandedOver, Is.False, "not handed to Kestrel either");
                }
            }

            Assert.That(await first.ConnectNamespaceAsync(), Is.Not.Empty, "the first session still works");
            Assert.That(await second.ConnectNamespaceAsync(), Is.Not.Empty, "the second session still works");

            // Once one of them is gone there is room again.
            first.Dispose();
            await Signals.UntilAsync(() => host.Listener.OpenConnections == 1, "the dropped session is no longer counted");
            using var fourth = await SioRawClient.ConnectAsync(host.WebSocketUri);
            Assert.That(await fourth.ConnectNamespaceAsync(), Is.Not.Empty, "a new session gets in");
            Assert.That(host.Listener.DirectSessions, Is.EqualTo(3));
        }
        finally
        {
            first.Dispose();
        }
    }

    [TestCase(false, TestName = "A direct session the client drops is no longer counted")]
    [TestCase(true, TestName = "A direct session the server closes is no longer counted")]
    public async Task AfterADirectSessionCloses_OpenConnectionsGoesBackDown(bool serverCloses)
    {
        await using var host = await TestHost.StartAsync();
        var openBefore = host.Listener.OpenConnections;
        var sessionsBefore = host.Listener.DirectSessions;
        using var client = await SioRawClient.ConnectAsync(host.WebSocketUri);
        var sid = await client.ConnectNamespaceAsync();
        Assert.That(host.Listener.OpenConnections, Is.EqualTo(openBefore + 1));
        Assert.That(host.Listener.DirectSessions, Is.EqualTo(sessionsBefore + 1));

        if (serverCloses)
        {
            host.Io.Of("/").Sockets[sid].Disconnect(close: true);
            await client.WaitForCloseAsync();
        }
        else
        {
            client.Abort();
        }

        await Signals.UntilAsync(() => host.Listener.OpenConnections == openBefore, "the closed session is no longer counted");
        await Signals.UntilAsync(() => host.Io.Of("/").Sockets.Count == 0, "the server forgets the socket");
    }

    [Test]
    public async Task StoppingTheHost_ClosesOpenDirectSessions_AndCompletes()
    {
        var host = await TestHost.StartAsync();
        try
        {
            using var client = await SioRawClient.ConnectAsync(host.WebSocketUri);
            await client.ConnectNamespaceAsync();
            Assert.That(host.Listener.DirectSessions, Is.EqualTo(1));

            var stopwatch = Stopwatch.StartNew();
            await host.App.StopAsync().WithTimeout("the host to stop");
            TestContext.Out.WriteLine($"stopped in {stopwatch.ElapsedMilliseconds} ms");

            await client.WaitForCloseAsync();
            await Signals.UntilAsync(() => host.Listener.OpenConnections == 0, "no connection is counted");
        }
        finally
        {
            await host.App.DisposeAsync();
        }
    }

    [Test]
    public async Task StoppingTheHost_EndsADirectSessionWhoseClientIgnoresTheClose()
    {
        var host = await TestHost.StartAsync();
        try
        {
            using var socket = await ConnectAsync(host.Port);
            await TrySendAsync(socket, Encoding.ASCII.GetBytes(RawHttpConnection.UpgradeRequest(host.Port, WebSocketPath)));
            var opened = await ReadUntilAsync(socket, bytes => FramesAfterHead(bytes).Count > 0); // the open packet: the session is registered
            Assert.That(host.Listener.DirectSessions, Is.EqualTo(1), "served directly");

            var stopwatch = Stopwatch.StartNew();
            var stop = host.App.StopAsync();
            var (rest, closed) = await ReadToEndAsync(socket);
            await stop.WithTimeout("the host to stop");
            TestContext.Out.WriteLine($"stopped in {stopwatch.ElapsedMilliseconds} ms");
            byte[] received = [.. opened, .. rest];

            Assert.That(Encoding.Latin1.GetString(received), Does.StartWith("HTTP/1.1 101 "));
            var opcodes = FramesAfterHead(received);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(closed, Is.True, "the server ends the connection");
                Assert.That(opcodes, Has.Member(8), "after a close frame");
                Assert.That(opcodes.FirstOrDefault(), Is.EqualTo(1), "the first frame is the open packet");
            }

            await Signals.UntilAsync(() => host.Listener.OpenConnections == 0, "no connection is counted");
        }
        finally
        {
            await host.App.DisposeAsync();
        }
    }
}
