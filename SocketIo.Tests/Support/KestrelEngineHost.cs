using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SocketIo.Server.EngineIo;
using SocketIo.Server.Hosting;

namespace SocketIo.Tests.Support;

/// <summary>
/// A real Kestrel host on 127.0.0.1 port 0 serving one <see cref="EngineIoServer"/> at <c>/engine.io/</c>, with a
/// <see cref="RecordingEngineHandler"/>, a <see cref="FakeTimeProvider"/> as the engine clock (so no heartbeat or
/// timeout fires unless a test advances it) and raw HTTP / WebSocket helpers.
/// </summary>
internal sealed class KestrelEngineHost : IAsyncDisposable
{
    public const string EnginePath = "/engine.io/";

    private readonly WebApplication _app;
    private readonly List<IDisposable> _owned = [];

    private KestrelEngineHost(WebApplication app, EngineIoServer server, RecordingEngineHandler handler, FakeTimeProvider time, RecordingLoggerProvider logs, int port)
    {
        _app = app;
        Server = server;
        Handler = handler;
        Time = time;
        Logs = logs;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        Http = CreateHttpClient();
    }

    /// <summary>The engine clock.</summary>
    public FakeTimeProvider Time { get; }

    public EngineIoServer Server { get; }

    public EngineIoOptions Options => Server.Options;

    public RecordingEngineHandler Handler { get; }

    /// <summary>Warnings and errors logged by Kestrel and the engine.</summary>
    public RecordingLoggerProvider Logs { get; }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client that neither decompresses nor handles cookies, so tests see the raw headers.</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// Starts a host. <paramref name="configure"/> runs after the engine clock is set to <see cref="Time"/>, so a
    /// test may still replace it; <paramref name="kestrel"/> may set Kestrel's limits.
    /// </summary>
    public static async Task<KestrelEngineHost> StartAsync(Action<EngineIoOptions>? configure = null, Action<KestrelServerOptions>? kestrel = null)
    {
        var time = new FakeTimeProvider();
        var options = new EngineIoOptions { TimeProvider = time };
        configure?.Invoke(options);

        var logs = new RecordingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.AddServerHeader = false;
            kestrel?.Invoke(k);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        var handler = new RecordingEngineHandler();
        var server = new EngineIoServer(options, handler, app.Services.GetRequiredService<ILogger<EngineIoServer>>());
        app.MapEngineIo("/engine.io", server);
        await app.StartAsync().WithTimeout("Kestrel to start");

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelEngineHost(app, server, handler, time, logs, new Uri(address).Port);
    }

    /// <summary>A new client like <see cref="Http"/>, disposed with the host.</summary>
    public HttpClient CreateHttpClient()
    {
#pragma warning disable CA2000 // The client owns the handler and the host owns the client.
        var client = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        })
        {
            BaseAddress = BaseAddress,
            Timeout = Signals.DefaultTimeout,
        };
#pragma warning restore CA2000
        _owned.Add(client);
        return client;
    }

    public Uri EngineUri(string query) => new(BaseAddress, EnginePath + "?" + query);

    public Uri WebSocketUri(string query) => new($"ws://127.0.0.1:{Port}{EnginePath}?{query}");

    public static string PollingQuery(string sid) => $"EIO=4&transport=polling&sid={Uri.EscapeDataString(sid)}";

    /// <summary>A polling handshake; fails unless the server answers 200 with an open packet.</summary>
    public async Task<EngineHandshake> HandshakeAsync(string query = "EIO=4&transport=polling")
    {
        using var response = await Http.GetAsync(EngineUri(query));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Handshake failed: {(int)response.StatusCode} {body}");
        }

        return EngineHandshake.Parse(body);
    }

    /// <summary>A polling handshake, then waits until the handler has seen the connection.</summary>
    public async Task<(EngineHandshake Handshake, EngineIoSocket Socket)> ConnectPollingAsync()
    {
        var handshake = await HandshakeAsync();
        var socket = await Handler.WaitForConnectionAsync(handshake.Sid);
        return (handshake, socket);
    }

    public Task<HttpResponseMessage> GetAsync(string query, string? acceptEncoding = null) =>
        SendAsync(HttpMethod.Get, query, null, acceptEncoding);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string query, HttpContent? content = null, string? acceptEncoding = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, EngineUri(query)) { Content = content };
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }

        return await Http.SendAsync(request, cancellationToken);
    }

    /// <summary>A poll GET for <paramref name="sid"/>; fails unless it is answered 200. Returns the body.</summary>
    public async Task<string> PollAsync(string sid)
    {
        using var response = await GetAsync(PollingQuery(sid));
        var body = await response.Content.ReadAsStringAsync();
        return response.StatusCode == HttpStatusCode.OK
            ? body
            : throw new InvalidOperationException($"Poll failed: {(int)response.StatusCode} {body}");
    }

    /// <summary>Starts a poll GET and waits until the server holds it as the pending poll of <paramref name="socket"/>.</summary>
    public async Task<Task<string>> StartPendingPollAsync(EngineIoSocket socket)
    {
        var poll = PollAsync(socket.Id);
        await Signals.UntilAsync(() => socket.IsWritable || poll.IsCompleted, $"a GET of session {socket.Id} is pending on the server");
        return poll;
    }

    /// <summary>POSTs a text payload the way engine.io-client does (<c>text/plain;charset=UTF-8</c>).</summary>
    public Task<HttpResponseMessage> PostAsync(string sid, string payload) =>
        PostBytesAsync(sid, Encoding.UTF8.GetBytes(payload));

    public async Task<HttpResponseMessage> PostBytesAsync(string sid, byte[] body, string contentType = "text/plain;charset=UTF-8")
    {
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await SendAsync(HttpMethod.Post, PollingQuery(sid), content);
    }

    /// <summary>POSTs a payload and requires <c>200 ok</c>.</summary>
    public async Task PostOkAsync(string sid, string payload)
    {
        using var response = await PostAsync(sid, payload);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK || body != "ok")
        {
            throw new InvalidOperationException($"POST failed: {(int)response.StatusCode} {body}");
        }
    }

    public async Task<EngineWebSocket> ConnectWebSocketAsync(string query = "EIO=4&transport=websocket")
    {
        var socket = await EngineWebSocket.ConnectAsync(WebSocketUri(query));
        _owned.Add(socket);
        return socket;
    }

    /// <summary>A direct WebSocket session: connects, reads the open packet, waits for the handler's connection.</summary>
    public async Task<(EngineWebSocket Client, EngineHandshake Handshake, EngineIoSocket Socket)> ConnectDirectWebSocketAsync()
    {
        var client = await ConnectWebSocketAsync();
        var handshake = await client.ReceiveOpenAsync();
        var socket = await Handler.WaitForConnectionAsync(handshake.Sid);
        return (client, handshake, socket);
    }

    public async Task<RawHttpConnection> ConnectRawAsync()
    {
        var connection = await RawHttpConnection.ConnectAsync(Port);
        _owned.Add(connection);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        // Release pending polls and close WebSockets, then drop the clients, so Kestrel has no request left to wait for.
        Server.CloseAll();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        await _app.StopAsync().WithTimeout("Kestrel to stop");
        await _app.DisposeAsync();
    }
}
