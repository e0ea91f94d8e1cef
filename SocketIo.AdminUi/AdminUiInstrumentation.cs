using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SocketIo.Server;
using SocketIo.Server.EngineIo;

namespace SocketIo.AdminUi;

/// <summary>
/// One server instrumented for the admin UI (admin-ui 0.5.1's <c>instrument</c>): the admin namespace with its auth,
/// the commands, the engine counters, the live socket and room events (development mode) and the periodic
/// <c>server_stats</c>. Everything goes out as a broadcast on the admin namespace, so that through a cluster adapter
/// every dashboard sees every server, each under its own <c>serverId</c>, as Node's does.
/// </summary>
internal sealed partial class AdminUiInstrumentation : IAsyncDisposable
{
    private readonly SocketIoServer _io;
    private readonly AdminUiOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly AggregatedEvents _events;
    private readonly JObject _baseStats;
    private readonly TimeSpan _uptimeAtStart;
    private readonly long _startedAt;
    private readonly HashSet<SocketIoNamespace> _instrumented = [];
    private SocketIoNamespace _admin = null!;
    private ITimer? _statsTimer;
    private int _pollingClients;

    public AdminUiInstrumentation(SocketIoServer io, AdminUiOptions options, ILogger logger)
    {
        _io = io;
        _options = options;
        _logger = logger;
        _time = io.Options.TimeProvider;
        _events = new AggregatedEvents(_time);
        var hostname = System.Net.Dns.GetHostName();
        _baseStats = new JObject
        {
            // Node's default is os.hostname() (with "#pid" in a cluster worker, which .NET has no equivalent of).
            ["serverId"] = options.ServerId ?? hostname,
            ["hostname"] = hostname,
            ["pid"] = Environment.ProcessId,
        };
        using var process = Process.GetCurrentProcess();
        // Node reports process.uptime(): the process's age, not the instrument's.
        _uptimeAtStart = TimeProvider.System.GetUtcNow() - process.StartTime.ToUniversalTime();
        _startedAt = _time.GetTimestamp();
        Commands = new AdminUiCommands(io, options.ReadOnly, logger);
    }

    public AdminUiCommands Commands { get; }

    /// <summary>The features the dashboard may use (admin-ui's <c>config.supportedFeatures</c>).</summary>
    public JArray SupportedFeatures { get; private set; } = [];

    public void Start()
    {
        _admin = _io.Of(_options.NamespaceName);
        if (_options.Auth!.PasswordHash is not null)
        {
            _admin.Use(new AdminUiAuthenticator(_options.Auth, _options.Store, _logger).AuthenticateAsync);
        }

        var features = _options.ReadOnly ? new JArray() : new JArray("EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT");
        features.Add("AGGREGATED_EVENTS");
        var development = _options.Mode == AdminUiMode.Development;
        if (development)
        {
            features.Add("ALL_EVENTS");
        }

        SupportedFeatures = features;
        _admin.OnConnection(OnAdminConnectionAsync);
        _io.Engine.OnConnection(OnEngineConnection);
        if (development)
        {
            _io.OnNewNamespace(nsp =>
            {
                Instrument(nsp);
                return ValueTask.CompletedTask;
            });
            foreach (var nsp in _io.Namespaces.Values)
            {
                Instrument(nsp);
            }
        }

        _statsTimer = _time.CreateTimer(static state => ((AdminUiInstrumentation)state!).EmitStats(), this, TimeSpan.Zero, _options.StatsInterval);
    }

    public ValueTask DisposeAsync() => _statsTimer?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async ValueTask OnAdminConnectionAsync(SocketIoSocket socket, CancellationToken cancellationToken)
    {
        if (socket.Items.TryGetValue(AdminUiAuthenticator.SessionItem, out var session))
        {
            // Node emits it from the middleware, before CONNECT; the client delivers it after CONNECT either way.
            await socket.EmitAsync("session", session).ConfigureAwait(false);
        }

        Commands.Register(socket);
        await socket.EmitAsync("config", new JObject { ["supportedFeatures"] = SupportedFeatures.DeepClone() }).ConfigureAwait(false);
        if (_options.Mode == AdminUiMode.Development)
        {
            await socket.EmitAsync("all_sockets", await AllSocketsAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
    }

    /// <summary>Every socket of every namespace, on every server of the cluster (Node: fetchSockets per namespace).</summary>
    private async Task<JArray> AllSocketsAsync(CancellationToken cancellationToken)
    {
        var namespaces = _io.Namespaces.Values.ToArray();
        var fetched = await Task.WhenAll(namespaces.Select(n => n.FetchSocketsAsync(cancellationToken))).ConfigureAwait(false);
        var all = new JArray();
        for (var i = 0; i < namespaces.Length; i++)
        {
            foreach (var socket in fetched[i])
            {
                all.Add(AdminUiSerializer.Socket(socket.Id, namespaces[i].Name, socket.Handshake, socket.Rooms, socket.Data));
            }
        }

        return all;
    }

    private void OnEngineConnection(EngineIoSocket session)
    {
        _events.Push("rawConnection");
        if (session.TransportName == "polling")
        {
            Interlocked.Increment(ref _pollingClients);
            var counted = 1;
            // Whichever comes first, the upgrade or the close, ends its polling time.
            void Done()
            {
                if (Interlocked.Exchange(ref counted, 0) == 1)
                {
                    Interlocked.Decrement(ref _pollingClients);
                }
            }

            session.OnUpgrade(_ => Done());
            session.OnClose((_, _) => Done());
        }

        // Node counts packets that carry data (messages, probes), not bare pings and pongs.
        session.OnPacketCreate(packet =>
        {
            if (!packet.Data.IsEmpty)
            {
                _events.Push("packetsOut");
                _events.Push("bytesOut", null, packet.Data.Length);
            }
        });
        session.OnPacket(packet =>
        {
            if (!packet.Data.IsEmpty)
            {
                _events.Push("packetsIn");
                _events.Push("bytesIn", null, packet.Data.Length);
            }
        });
        session.OnClose((reason, _) => _events.Push("rawDisconnection", reason));
    }

    private void EmitStats()
    {
        var namespaces = new JArray();
        foreach (var nsp in _io.Namespaces.Values)
        {
            namespaces.Add(new JObject { ["name"] = nsp.Name, ["socketsCount"] = nsp.Sockets.Count });
        }

        var stats = (JObject)_baseStats.DeepClone();
        stats["uptime"] = (_uptimeAtStart + _time.GetElapsedTime(_startedAt)).TotalSeconds;
        stats["clientsCount"] = _io.Engine.ClientsCount;
        stats["pollingClientsCount"] = Volatile.Read(ref _pollingClients);
        stats["aggregatedEvents"] = _events.TakeAll();
        stats["namespaces"] = namespaces;
        Emit("server_stats", stats);
    }

    private void Instrument(SocketIoNamespace nsp)
    {
        lock (_instrumented)
        {
            if (!_instrumented.Add(nsp))
            {
                return;
            }
        }

        nsp.OnConnection((socket, _) =>
        {
            OnSocketConnected(nsp, socket);
            return ValueTask.CompletedTask;
        });
        nsp.Adapter.RoomJoined += (_, e) => Emit("room_joined", nsp.Name, e.Room, e.SocketId, Now());
        nsp.Adapter.RoomLeft += (_, e) => Emit("room_left", nsp.Name, e.Room, e.SocketId, Now());
    }

    private void OnSocketConnected(SocketIoNamespace nsp, SocketIoSocket socket)
    {
        var conn = socket.Conn;
        SetAdminData(socket, conn.TransportName);
        // Watched before the dashboards hear of the socket, as Node sets up its Proxy first.
        var watcher = new SocketDataWatcher(socket, data => Emit("socket_updated", new JObject
        {
            ["id"] = socket.Id,
            ["nsp"] = nsp.Name,
            ["data"] = AdminUiSerializer.WithoutAdmin(data),
        }));
        watcher.Start();
        // Called at once when the socket is already gone.
        socket.Disconnected.Register(static state => ((SocketDataWatcher)state!).Stop(), watcher);
        Emit("socket_connected", AdminUiSerializer.Socket(socket.Id, nsp.Name, socket.Handshake, socket.Rooms, socket.Data), Now());
        conn.OnUpgrade(transport =>
        {
            SetAdminData(socket, transport);
            Emit("socket_updated", new JObject { ["id"] = socket.Id, ["nsp"] = nsp.Name, ["transport"] = transport });
        });
        if (nsp != _admin)
        {
            socket.OnAny(e =>
            {
                Emit("event_received", nsp.Name, socket.Id, WithName(e.Name, e.Args), Now());
                return ValueTask.CompletedTask;
            });
            socket.OnAnyOutgoing((name, args) =>
            {
                Emit("event_sent", nsp.Name, socket.Id, WithName(name, args), Now());
                return ValueTask.CompletedTask;
            });
        }

        socket.OnDisconnect(reason =>
        {
            Emit("socket_disconnected", nsp.Name, socket.Id, reason.ToWireString(), Now());
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>
    /// <c>socket.data._admin = { clientId, transport }</c>, as Node's instrument sets it: a Node server of the cluster
    /// reads a .NET socket's engine id and transport there (and so do we for its sockets).
    /// </summary>
    private static void SetAdminData(SocketIoSocket socket, string transport)
    {
        var admin = new JObject { ["clientId"] = socket.Conn.Id[..Math.Min(12, socket.Conn.Id.Length)], ["transport"] = transport };
        switch (socket.Data)
        {
            case JObject data:
                // A whole new value rather than a change inside it: a fetchSockets may be reading the old one.
                data[AdminUiSerializer.AdminKey] = admin;
                break;
            case JValue { Type: JTokenType.Null or JTokenType.Undefined }:
                socket.Data = new JObject { [AdminUiSerializer.AdminKey] = admin };
                break;
            default:
                // A primitive or an array the application chose: left alone, the dashboard shows no transport.
                break;
        }
    }

    private static JArray WithName(string name, JArray args)
    {
        var all = new JArray(name);
        foreach (var arg in args)
        {
            all.Add(arg.DeepClone());
        }

        return all;
    }

    private string Now() => AdminUiSerializer.Date(_time.GetUtcNow());

    /// <summary>A broadcast to every dashboard; never in the way of the event that caused it, failures logged.</summary>
    private void Emit(string eventName, params object?[] args)
    {
        try
        {
            var sent = _admin.EmitAsync(eventName, args);
            if (!sent.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(sent, eventName);
            }
        }
        catch (Exception ex)
        {
            LogEmitFailed(_logger, eventName, ex);
        }
    }

    private async Task ObserveAsync(ValueTask sent, string eventName)
    {
        try
        {
            await sent.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogEmitFailed(_logger, eventName, ex);
        }
    }
}
