using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// <c>UseDirectWebSockets</c> behind <c>UseHttps</c>: the direct listener sees only TLS bytes and hands every
/// connection to Kestrel; after the TLS handshake the connection middleware opens the session (wss://, polling too).
/// </summary>
[TestFixture]
public sealed class DirectWebSocketTlsTests
{
    private DirectWebSocketApp _host = null!;
    private X509Certificate2 _certificate = null!;

    private int Port => _host.Port;

    private SocketIoServer Io => _host.Io;

    private DirectSocketListener Listener => _host.Listener;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _certificate = SelfSigned();
        _host = await DirectWebSocketApp.StartAsync(listen => listen.UseHttps(_certificate));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _host.DisposeAsync();
        _certificate.Dispose();
    }

    [Test]
    public async Task AWssSession_IsHandedToKestrel_AndOpenedAfterTheTlsHandshake()
    {
        var before = Listener.DirectSessions;
        using var ws = new ClientWebSocket();
        ws.Options.RemoteCertificateValidationCallback = (_, cert, _, _) => IsOurs(cert);
        ws.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        await ws.ConnectAsync(new Uri($"wss://localhost:{Port}/socket.io/?EIO=4&transport=websocket"), timeout.Token);
        Assert.That(await ReceiveTextAsync(ws, timeout.Token), Does.StartWith("0{\"sid\":"));
        // Kestrel's HTTP stack would have added Date: the 101 came from the connection middleware.
        Assert.That(ws.HttpResponseHeaders!.ContainsKey("Date"), Is.False);
        Assert.That(ws.HttpResponseHeaders.ContainsKey("Sec-WebSocket-Accept"), Is.True, "the headers were collected");

        await ws.SendAsync("40"u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);
        Assert.That(await ReceiveTextAsync(ws, timeout.Token), Does.StartWith("40{\"sid\":"));
        await ws.SendAsync("421[\"echo\",\"tls\"]"u8.ToArray().AsMemory(), WebSocketMessageType.Text, true, timeout.Token);
        Assert.That(await ReceiveTextAsync(ws, timeout.Token), Is.EqualTo("431[\"tls\"]"));

        Assert.That(Listener.DirectSessions, Is.EqualTo(before), "TLS bytes are never a session the listener opens");
        Assert.That(Io.Of("/").Sockets.Values.Single().Handshake.Secure, Is.True);
    }

    [Test]
    public async Task PollingOverTls_Works()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => IsOurs(cert) };
        using var http = new HttpClient(handler);
        var body = await http.GetStringAsync(new Uri($"https://localhost:{Port}/socket.io/?EIO=4&transport=polling"));
        Assert.That(body, Does.StartWith("0{\"sid\":"));
    }

    /// <summary>The test's own self-signed certificate, and no other.</summary>
    private bool IsOurs(X509Certificate? certificate) =>
        certificate is not null && certificate.GetCertHashString() == _certificate.GetCertHashString();

    private static async Task<string> ReceiveTextAsync(ClientWebSocket ws, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var result = await ws.ReceiveAsync(buffer, cancellationToken);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    internal static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // An ephemeral key cannot serve TLS on Linux: round-trip through PKCS#12 to get a usable private key.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
