using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SocketIo.Server;
using SocketIo.Server.Hosting;
using SocketIOClient;
using SocketIOClient.Transport;

namespace SocketIo.Tests.Support;

/// <summary>
/// A real Socket.IO server for integration tests: <see cref="SocketIoHost.ListenAsync"/> on 127.0.0.1 port 0, a
/// <see cref="FakeTimeProvider"/> as the clock (no heartbeat, ack timeout or connect timeout fires unless a test
/// advances it), the host's warnings and errors recorded, and factories for raw and real clients that are
/// disposed with the host.
/// </summary>
internal sealed class SioTestHost : IAsyncDisposable
{
    private readonly SocketIoHost _host;
    private readonly List<IDisposable> _owned = [];
    private readonly List<SocketIOClient.SocketIO> _clients = [];

    private SioTestHost(SocketIoHost host, FakeTimeProvider time, RecordingLoggerProvider logs)
    {
        _host = host;
        Time = time;
        Logs = logs;
    }

    /// <summary>The server under test (Node: <c>io</c>).</summary>
    public SocketIoServer Io => _host.Server;

    /// <summary>The clock of the server (and of every server sharing it).</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>Warnings and errors logged by the server and Kestrel.</summary>
    public RecordingLoggerProvider Logs { get; }

    /// <summary>The HTTP base address, with the real port.</summary>
    public Uri Url => _host.Url;

    /// <summary>
    /// Starts a server. <paramref name="configure"/> runs after the clock is set, so a test may still replace it;
    /// servers of one cluster pass the same <paramref name="time"/>. <paramref name="logLevel"/> is the least level
    /// recorded in <see cref="Logs"/> (Information to see why a connection was closed).
    /// </summary>
    public static async Task<SioTestHost> StartAsync(Action<SocketIoOptions>? configure = null, FakeTimeProvider? time = null, LogLevel logLevel = LogLevel.Warning)
    {
        time ??= new FakeTimeProvider();
        var logs = new RecordingLoggerProvider(logLevel);
        var host = await SocketIoHost.ListenAsync(
            0,
            o =>
            {
                o.TimeProvider = time;
                configure?.Invoke(o);
            },
            IPAddress.Loopback,
            logging => logging.AddProvider(logs).SetMinimumLevel(logLevel)).WithTimeout("Kestrel to start");
        return new SioTestHost(host, time, logs);
    }

    /// <summary>The server-side socket of a connected raw client.</summary>
    public SocketIoSocket Socket(string sid, string nsp = "/") => Io.Of(nsp).Sockets[sid];

    /// <summary>The WebSocket URL of the Socket.IO endpoint.</summary>
    public Uri WebSocketUri(string query = "") =>
        new($"ws://{Url.Authority}/socket.io/?EIO=4&transport=websocket{(query.Length > 0 ? "&" + query : string.Empty)}");

    /// <summary>Opens an Engine.IO session over WebSocket without joining any namespace.</summary>
    public async Task<SioRawClient> OpenAsync(string query = "", Action<System.Net.WebSockets.ClientWebSocketOptions>? configure = null)
    {
        var client = await SioRawClient.ConnectAsync(WebSocketUri(query), configure);
        lock (_owned)
        {
            _owned.Add(client);
        }

        return client;
    }

    /// <summary>Opens a session and joins <paramref name="nsp"/>; fails unless the server answers CONNECT.</summary>
    public async Task<SioRawClient> ConnectAsync(string nsp = "/", string? authJson = null)
    {
        var client = await OpenAsync();
        await client.ConnectNamespaceAsync(nsp, authJson);
        return client;
    }

    /// <summary>
    /// Runs <paramref name="setup"/> as <paramref name="nsp"/>'s connection handler, connects a raw client there and
    /// returns once the handler has run: as in Node, the CONNECT reply goes out before the handlers, so a test that
    /// went on at the reply would race its own setup.
    /// </summary>
    public async Task<(SioRawClient Client, SocketIoSocket Socket)> ConnectWithHandlerAsync(Action<SocketIoSocket>? setup, string nsp = "/")
    {
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Io.Of(nsp).OnConnection((socket, _) =>
        {
            setup?.Invoke(socket);
            handled.TrySetResult();
            return ValueTask.CompletedTask;
        });
        var client = await OpenAsync();
        var sid = await client.ConnectNamespaceAsync(nsp);
        await handled.Task.WithTimeout("the connection handler");
        return (client, Socket(sid, nsp));
    }

    /// <summary>A long-polling client (raw HTTP), disposed with the host.</summary>
    public SioPollingClient CreatePollingClient()
    {
        var client = new SioPollingClient(Url);
        lock (_owned)
        {
            _owned.Add(client);
        }

        return client;
    }

    /// <summary>
    /// A <c>SocketIOClient</c> 3.0.6 client for <paramref name="nsp"/> (not connected yet), without reconnection,
    /// over WebSocket unless <paramref name="configure"/> says otherwise.
    /// </summary>
    public SocketIOClient.SocketIO CreateClient(string nsp = "/", Action<SocketIOOptions>? configure = null)
    {
        var options = new SocketIOOptions
        {
            Transport = TransportProtocol.WebSocket,
            Path = "/socket.io",
            Reconnection = false,
            ConnectionTimeout = Signals.DefaultTimeout,
        };
        configure?.Invoke(options);
        var client = new SocketIOClient.SocketIO(new Uri(Url, nsp), options);
        lock (_owned)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>Connects a <c>SocketIOClient</c> client and waits for its <c>OnConnected</c>, bounded by the default timeout.</summary>
    public async Task<SocketIOClient.SocketIO> ConnectClientAsync(string nsp = "/", Action<SocketIOOptions>? configure = null)
    {
        var client = CreateClient(nsp, configure);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnConnected += (_, _) => connected.TrySetResult();
        client.OnError += (_, error) => connected.TrySetException(new InvalidOperationException($"SocketIOClient error while connecting to {nsp}: {error}"));
        await client.ConnectAsync().WithTimeout($"SocketIOClient to connect to {nsp}");
        await connected.Task.WithTimeout($"SocketIOClient's OnConnected for {nsp}");
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        IDisposable[] owned;
        SocketIOClient.SocketIO[] clients;
        lock (_owned)
        {
            owned = [.. _owned];
            clients = [.. _clients];
        }

        foreach (var item in owned)
        {
            item.Dispose();
        }

        foreach (var client in clients)
        {
            // Disposing alone leaves its WebSocket unanswered, and the server would wait 5 s for the close
            // handshake: disconnect first. SocketIOClient throws when disposed twice (a test may have done it).
            try
            {
                await client.DisconnectAsync().WithTimeout("SocketIOClient to disconnect");
                client.Dispose();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        await _host.DisposeAsync().AsTask().WithTimeout("the Socket.IO host to stop");
    }
}
