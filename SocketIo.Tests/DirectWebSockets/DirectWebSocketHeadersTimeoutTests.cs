using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// <c>DirectWebSocketsOptions.HeadersTimeout</c>: a connection that sends nothing is answered 408 and closed, byte for
/// byte as Node's HTTP server does after its <c>headersTimeout</c>, on the server's clock; on the plain listener and
/// behind TLS (the connection middleware) alike.
/// </summary>
[TestFixture]
public sealed class DirectWebSocketHeadersTimeoutTests
{
    private const string NodesAnswer = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";
    private static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reads <paramref name="stream"/> to its end while the fake clock moves in 1 s steps (the server's wait may begin a
    /// moment after the accept); returns what came and how far the clock moved.
    /// </summary>
    private static async Task<(string Received, TimeSpan Elapsed)> ReadToEndWhileTheClockMovesAsync(Stream stream, FakeTimeProvider time)
    {
        var start = time.GetUtcNow();
        var received = new MemoryStream();
        var reading = stream.CopyToAsync(received);
        var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
        while (!reading.IsCompleted)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "answered on the server's clock, not the system's");
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(reading, Task.Delay(10));
        }

        await reading;
        return (Encoding.ASCII.GetString(received.ToArray()), time.GetUtcNow() - start);
    }

    [Test]
    public async Task ASilentConnection_IsAnswered408AndClosed_AfterTheHeadersTimeout()
    {
        var time = new FakeTimeProvider();
        await using var app = await DirectWebSocketApp.StartAsync(configure: o => o.TimeProvider = time, direct: o => o.HeadersTimeout = HeadersTimeout);
        using var silent = new TcpClient();
        await silent.ConnectAsync(System.Net.IPAddress.Loopback, app.Port);
        await Signals.UntilAsync(() => app.Listener.OpenConnections == 1, "the listener to accept the connection");

        var (received, elapsed) = await ReadToEndWhileTheClockMovesAsync(silent.GetStream(), time);

        Assert.That(received, Is.EqualTo(NodesAnswer));
        Assert.That(elapsed, Is.GreaterThanOrEqualTo(HeadersTimeout).And.LessThanOrEqualTo(HeadersTimeout + TimeSpan.FromSeconds(2)));
        await Signals.UntilAsync(() => app.Listener.OpenConnections == 0, "the connection to be released");
    }

    [Test]
    public async Task ASilentTlsConnection_IsAnswered408AndClosed_ByTheConnectionMiddleware()
    {
        using var certificate = DirectWebSocketTlsTests.SelfSigned();
        var time = new FakeTimeProvider();
        await using var app = await DirectWebSocketApp.StartAsync(
            listen => listen.UseHttps(certificate),
            configure: o => o.TimeProvider = time,
            direct: o => o.HeadersTimeout = HeadersTimeout);
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, app.Port);
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, cert, _, _) => cert?.GetCertHashString() == certificate.GetCertHashString());
        await tls.AuthenticateAsClientAsync("localhost").WithTimeout("the TLS handshake");

        var (received, _) = await ReadToEndWhileTheClockMovesAsync(tls, time);

        Assert.That(received, Is.EqualTo(NodesAnswer));
    }
}
