using Newtonsoft.Json.Linq;
using SocketIo.Server;

namespace SocketIo.InteropServer;

/// <summary>The events of interop-contract.md on <c>/</c>, <c>/mw</c> and the dynamic namespaces.</summary>
internal sealed class InteropEvents
{
    private readonly SocketIoServer io;
    private readonly InteropSettings settings;
    private readonly bool _clustered;
    private readonly object _engineErrorsSync = new();
    private int _engineErrors;
    private JObject? _lastEngineError;
    // conn-events(): each open Engine.IO session's upgrading/upgrade events, recorded from the moment it opens (its
    // upgrade may begin before the Socket.IO connection handler runs).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<string>> _connEvents = new(StringComparer.Ordinal);

    public InteropEvents(SocketIoServer io, InteropSettings settings)
    {
        this.io = io;
        this.settings = settings;
        _clustered = settings.RedisUrl is not null;
        // engine-errors(): what io.engine's connection_error has reported since the start.
        io.Engine.OnConnectionError(error =>
        {
            lock (_engineErrorsSync)
            {
                _engineErrors++;
                _lastEngineError = new JObject { ["code"] = (int)error.Code, ["message"] = error.Message };
            }

            return ValueTask.CompletedTask;
        });
        io.Engine.OnConnection(session =>
        {
            if (session.TransportName == SocketIo.Server.EngineIo.EngineIoOptions.WebSocket)
            {
                // A session that opens on WebSocket has no transport to upgrade to: nothing to record, and nothing
                // held for it (the listeners and the list were 0.5 KB of every benchmarked idle WebSocket session).
                return;
            }

            var events = new List<string>();
            _connEvents[session.Id] = events;
            void Add(string e)
            {
                lock (events)
                {
                    events.Add(e);
                }
            }

            session
                .OnUpgrading(transport => Add("upgrading:" + transport))
                .OnUpgrade(transport => Add("upgrade:" + transport))
                .OnClose((_, _) => _connEvents.TryRemove(session.Id, out List<string>? _));
        });
    }

    /// <summary>null and "" mean the whole namespace.</summary>
    private static string? RoomOf(JToken? token) =>
        token is null || token.Type == JTokenType.Null || (token.Type == JTokenType.String && (string)token! == string.Empty)
            ? null
            : NameOf(token);

    private static string NameOf(JToken token) => token.Type == JTokenType.String ? (string)token! : token.ToString(Newtonsoft.Json.Formatting.None);

    private static BroadcastOperator InRoom(SocketIoNamespace nsp, string? room) => room is null ? nsp.Except() : nsp.In(room);

    private static object?[] Rest(JArray args, int from)
    {
        if (from >= args.Count)
        {
            return [];
        }

        var rest = new object?[args.Count - from];
        for (var i = from; i < args.Count; i++)
        {
            rest[i - from] = args[i];
        }

        return rest;
    }

    private static JObject SortedSetMap(IReadOnlyDictionary<string, IReadOnlySet<string>> map)
    {
        var result = new JObject();
        foreach (var (key, set) in map)
        {
            result[key] = new JArray(set.Order(StringComparer.Ordinal));
        }

        return result;
    }

    public ValueTask OnConnectionAsync(SocketIoSocket socket) =>
        settings.EmitAuth ? socket.EmitAsync("auth", socket.Handshake.Auth) : ValueTask.CompletedTask;

    /// <summary>
    /// Registers the contract's events on a socket. The handlers are built once and shared by every socket
    /// (they reach their socket through the event), so a connection costs a table entry per event, not a closure.
    /// </summary>
    public void Register(SocketIoSocket socket)
    {
        foreach (var (name, handler) in Handlers)
        {
            if (!(settings.TypedEcho && name == "echo"))
            {
                socket.On(name, handler);
            }
        }

        if (settings.TypedEcho)
        {
            socket.Handle<IEchoEvents>(TypedEcho.Instance);
        }
    }

    private (string Name, Func<SocketIoEvent, ValueTask> Handler)[] Handlers => _handlers ??= BuildHandlers();

    private (string Name, Func<SocketIoEvent, ValueTask> Handler)[]? _handlers;

    private (string Name, Func<SocketIoEvent, ValueTask> Handler)[] BuildHandlers()
    {
        var list = new List<(string, Func<SocketIoEvent, ValueTask>)>();
        void on(string name, Func<SocketIoEvent, ValueTask> handler) => list.Add((name, handler));
        Describe(on);
        return list.ToArray();
    }

    private void Describe(Action<string, Func<SocketIoEvent, ValueTask>> on)
    {
        on("message", e => e.Socket.EmitAsync("message-back", Rest(e.Args, 0)));
        on("message-with-ack", e => e.AckAsync(Rest(e.Args, 0)));
        on("echo", e => e.HasAck ? e.AckAsync(Rest(e.Args, 0)) : e.Socket.EmitAsync("echo", Rest(e.Args, 0)));

        on("join", async e =>
        {
            var room = RoomOf(e.Args.FirstOrDefault()) ?? string.Empty;
            await e.Socket.JoinAsync(room);
            await e.AckAsync(e.Socket.Namespace.Adapter.RoomSize(room));
        });
        on("leave", async e =>
        {
            var room = RoomOf(e.Args.FirstOrDefault()) ?? string.Empty;
            await e.Socket.LeaveAsync(room);
            await e.AckAsync(e.Socket.Namespace.Adapter.RoomSize(room));
        });

        on("bcast", async e =>
        {
            var room = RoomOf(e.Args.ElementAtOrDefault(0));
            var payload = e.Args.ElementAtOrDefault(1);
            await (room is null ? e.Socket.Broadcast : e.Socket.To(room)).EmitAsync("msg", payload);
            await e.AckAsync();
        });
        on("bcast-all", async e =>
        {
            await InRoom(e.Socket.Namespace, RoomOf(e.Args.ElementAtOrDefault(0))).EmitAsync("msg", e.Args.ElementAtOrDefault(1));
            await e.AckAsync();
        });
        on("bcast-except", async e =>
        {
            var op = InRoom(e.Socket.Namespace, RoomOf(e.Args.ElementAtOrDefault(0)));
            if (RoomOf(e.Args.ElementAtOrDefault(1)) is { } except)
            {
                op = op.Except(except);
            }

            await op.EmitAsync("msg", e.Args.ElementAtOrDefault(2));
            await e.AckAsync();
        });
        on("bcast-ack", async e =>
        {
            var timeout = TimeSpan.FromMilliseconds(e.Args.ElementAtOrDefault(2)?.Value<double>() ?? 0);
            JObject result;
            try
            {
                var responses = await InRoom(e.Socket.Namespace, RoomOf(e.Args.ElementAtOrDefault(0))).Timeout(timeout).EmitWithAckAsync("ask", e.Args.ElementAtOrDefault(1));
                result = new JObject { ["err"] = null, ["responses"] = new JArray(responses) };
            }
            catch (SocketIoTimeoutException ex)
            {
                result = new JObject { ["err"] = ex.Message, ["responses"] = new JArray(ex.Responses) };
            }
            catch (SocketIoClusterUnavailableException ex)
            {
                // Redis is down: the local clients got the packet, the cluster could not be asked.
                result = new JObject { ["err"] = ex.Message, ["responses"] = new JArray() };
            }

            await e.AckAsync(result);
        });
        on("fetch", async e =>
        {
            try
            {
                var sockets = await InRoom(e.Socket.Namespace, RoomOf(e.Args.ElementAtOrDefault(0))).FetchSocketsAsync();
                var list = new JArray(sockets
                    .OrderBy(s => s.Id, StringComparer.Ordinal)
                    .Select(s => new JObject
                    {
                        ["id"] = s.Id,
                        ["rooms"] = new JArray(s.Rooms.OrderBy(r => r, StringComparer.Ordinal)),
                        ["data"] = s.Data,
                        ["auth"] = s.Handshake.Auth,
                    }));
                await e.AckAsync(list);
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or SocketIoClusterUnavailableException)
            {
                await e.AckAsync(new JObject { ["err"] = ex.Message });
            }
        });
        // The handshake instants as this server reads them, in Unix ms (Node: Date.parse(time), issued), so that a
        // test can compare what each server of a mixed cluster makes of the others' `time` text and `issued` number.
        on("fetch-times", async e =>
        {
            var sockets = await InRoom(e.Socket.Namespace, RoomOf(e.Args.ElementAtOrDefault(0))).FetchSocketsAsync();
            await e.AckAsync(new JArray(sockets
                .OrderBy(s => s.Id, StringComparer.Ordinal)
                .Select(s => new JObject
                {
                    ["id"] = s.Id,
                    ["time"] = s.Handshake.Time.ToUnixTimeMilliseconds(),
                    ["issued"] = s.Handshake.Issued.ToUnixTimeMilliseconds(),
                })));
        });
        on("sockets-join", async e =>
        {
            await InRoom(e.Socket.Namespace, RoomOf(e.Args.ElementAtOrDefault(0))).SocketsJoinAsync(RoomOf(e.Args.ElementAtOrDefault(1)) ?? string.Empty);
            await e.AckAsync();
        });
        on("sockets-leave", async e =>
        {
            await InRoom(e.Socket.Namespace, RoomOf(e.Args.ElementAtOrDefault(0))).SocketsLeaveAsync(RoomOf(e.Args.ElementAtOrDefault(1)) ?? string.Empty);
            await e.AckAsync();
        });
        on("kick", async e =>
        {
            await InRoom(e.Socket.Namespace, RoomOf(e.Args.ElementAtOrDefault(0))).DisconnectSocketsAsync(close: true);
            await e.AckAsync();
        });
        on("set-data", async e =>
        {
            e.Socket.Data = e.Args.ElementAtOrDefault(0) ?? JValue.CreateNull();
            await e.AckAsync();
        });
        on("whoami", e => e.AckAsync(new JObject { ["server"] = settings.ServerName, ["id"] = e.Socket.Id }));
        on("state", e => e.AckAsync(new JObject
        {
            ["id"] = e.Socket.Id,
            ["recovered"] = e.Socket.Recovered,
            ["rooms"] = new JArray(e.Socket.Rooms.Order(StringComparer.Ordinal)),
            ["data"] = e.Socket.Data,
        }));
        on("engine-errors", e =>
        {
            JObject answer;
            lock (_engineErrorsSync)
            {
                answer = new JObject { ["count"] = _engineErrors, ["last"] = _lastEngineError?.DeepClone() };
            }

            return e.AckAsync(answer);
        });
        on("conn-events", e =>
        {
            var events = _connEvents.TryGetValue(e.Socket.Conn.Id, out var list) ? list : [];
            JArray answer;
            lock (events)
            {
                answer = new JArray(events);
            }

            return e.AckAsync(answer);
        });
        on("namespaces", e => e.AckAsync(new JArray(io.Namespaces.Keys.Order(StringComparer.Ordinal))));
        // adapter-maps(): Node's nsp.adapter.rooms and nsp.adapter.sids, each set sorted.
        on("adapter-maps", e => e.AckAsync(new JObject
        {
            ["rooms"] = SortedSetMap(e.Socket.Namespace.Adapter.Rooms),
            ["sids"] = SortedSetMap(e.Socket.Namespace.Adapter.Sids),
        }));
        on("write", async e =>
        {
            await e.Socket.WriteAsync(Rest(e.Args, 0));
            await e.AckAsync();
        });
        // client(): what socket.client shows of the connection.
        on("client", e => e.AckAsync(new JObject
        {
            ["conn"] = e.Socket.Client.Conn.Id,
            ["nsps"] = new JArray(e.Socket.Client.Namespaces.Keys.Order(StringComparer.Ordinal)),
            ["sockets"] = new JArray(e.Socket.Client.Sockets.Keys.Order(StringComparer.Ordinal)),
        }));
        on("disconnect-self", async e =>
        {
            var close = e.Args.ElementAtOrDefault(0) is { Type: JTokenType.Boolean } c && (bool)c;
            await e.AckAsync();
            await e.Socket.DisconnectAsync(close);
        });

        // Server-side events always go through the main namespace, where hello/who listen.
        on("sse", async e =>
        {
            if (_clustered)
            {
                await io.Sockets.ServerSideEmitAsync(NameOf(e.Args[0]), Rest(e.Args, 1));
            }

            await e.AckAsync();
        });
        on("sse-ack", async e =>
        {
            if (!e.HasAck)
            {
                return;
            }

            var name = NameOf(e.Args[0]);
            var timeout = TimeSpan.FromMilliseconds(e.Args.ElementAtOrDefault(1)?.Value<double>() ?? 0);
            JObject result;
            try
            {
                using var cts = new CancellationTokenSource(timeout);
                var responses = await io.Sockets.ServerSideEmitWithAckAsync(name, Rest(e.Args, 2), cts.Token);
                result = new JObject { ["err"] = null, ["responses"] = new JArray(responses) };
            }
            catch (SocketIoTimeoutException ex)
            {
                result = new JObject { ["err"] = ex.Message, ["responses"] = new JArray(ex.Responses) };
            }
            catch (OperationCanceledException)
            {
                result = new JObject { ["err"] = "operation has timed out", ["responses"] = new JArray() };
            }
            catch (SocketIoClusterUnavailableException ex)
            {
                result = new JObject { ["err"] = ex.Message, ["responses"] = new JArray() };
            }

            await e.AckAsync(result);
        });
        on("stats", e => e.AckAsync(new JObject
        {
            ["rss"] = Environment.WorkingSet,
            ["clients"] = io.Engine.ClientsCount,
            ["runtime"] = ".NET " + Environment.Version,
        }));
    }
}
