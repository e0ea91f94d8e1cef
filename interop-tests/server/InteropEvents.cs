using Newtonsoft.Json.Linq;
using SocketIo.Server;

namespace SocketIo.InteropServer;

/// <summary>The events of interop-contract.md on <c>/</c>, <c>/mw</c> and the dynamic namespaces.</summary>
internal sealed class InteropEvents(SocketIoServer io, InteropSettings settings)
{
    private readonly bool _clustered = settings.RedisUrl is not null;

    /// <summary>null and "" mean the whole namespace.</summary>
    private static string? RoomOf(JToken? token) =>
        token is null || token.Type == JTokenType.Null || (token.Type == JTokenType.String && (string)token! == string.Empty)
            ? null
            : NameOf(token);

    private static string NameOf(JToken token) => token.Type == JTokenType.String ? (string)token! : token.ToString(Newtonsoft.Json.Formatting.None);

    private static BroadcastOperator InRoom(SocketIoNamespace nsp, string? room) => room is null ? nsp.Except() : nsp.In(room);

    private static object?[] Rest(JArray args, int from) => args.Skip(from).Cast<object?>().ToArray();

    public ValueTask OnConnectionAsync(SocketIoSocket socket) =>
        settings.EmitAuth ? socket.EmitAsync("auth", socket.Handshake.Auth) : ValueTask.CompletedTask;

    public void Register(SocketIoSocket socket)
    {
        var nsp = socket.Namespace;

        socket.On("message", e => socket.EmitAsync("message-back", Rest(e.Args, 0)));
        socket.On("message-with-ack", e => e.AckAsync(Rest(e.Args, 0)));
        socket.On("echo", e => e.HasAck ? e.AckAsync(Rest(e.Args, 0)) : socket.EmitAsync("echo", Rest(e.Args, 0)));

        socket.On("join", async e =>
        {
            var room = RoomOf(e.Args.FirstOrDefault()) ?? string.Empty;
            await socket.JoinAsync(room);
            await e.AckAsync(nsp.Adapter.RoomSize(room));
        });
        socket.On("leave", async e =>
        {
            var room = RoomOf(e.Args.FirstOrDefault()) ?? string.Empty;
            await socket.LeaveAsync(room);
            await e.AckAsync(nsp.Adapter.RoomSize(room));
        });

        socket.On("bcast", async e =>
        {
            var room = RoomOf(e.Args.ElementAtOrDefault(0));
            var payload = e.Args.ElementAtOrDefault(1);
            await (room is null ? socket.Broadcast : socket.To(room)).EmitAsync("msg", payload);
            await e.AckAsync();
        });
        socket.On("bcast-all", async e =>
        {
            await InRoom(nsp, RoomOf(e.Args.ElementAtOrDefault(0))).EmitAsync("msg", e.Args.ElementAtOrDefault(1));
            await e.AckAsync();
        });
        socket.On("bcast-except", async e =>
        {
            var op = InRoom(nsp, RoomOf(e.Args.ElementAtOrDefault(0)));
            if (RoomOf(e.Args.ElementAtOrDefault(1)) is { } except)
            {
                op = op.Except(except);
            }

            await op.EmitAsync("msg", e.Args.ElementAtOrDefault(2));
            await e.AckAsync();
        });
        socket.On("bcast-ack", async e =>
        {
            var timeout = TimeSpan.FromMilliseconds(e.Args.ElementAtOrDefault(2)?.Value<double>() ?? 0);
            JObject result;
            try
            {
                var responses = await InRoom(nsp, RoomOf(e.Args.ElementAtOrDefault(0))).Timeout(timeout).EmitWithAckAsync("ask", e.Args.ElementAtOrDefault(1));
                result = new JObject { ["err"] = null, ["responses"] = new JArray(responses) };
            }
            catch (SocketIoTimeoutException ex)
            {
                result = new JObject { ["err"] = ex.Message, ["responses"] = new JArray(ex.Responses) };
            }

            await e.AckAsync(result);
        });
        socket.On("fetch", async e =>
        {
            try
            {
                var sockets = await InRoom(nsp, RoomOf(e.Args.ElementAtOrDefault(0))).FetchSocketsAsync();
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
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                await e.AckAsync(new JObject { ["err"] = ex.Message });
            }
        });
        socket.On("sockets-join", async e =>
        {
            await InRoom(nsp, RoomOf(e.Args.ElementAtOrDefault(0))).SocketsJoinAsync(RoomOf(e.Args.ElementAtOrDefault(1)) ?? string.Empty);
            await e.AckAsync();
        });
        socket.On("sockets-leave", async e =>
        {
            await InRoom(nsp, RoomOf(e.Args.ElementAtOrDefault(0))).SocketsLeaveAsync(RoomOf(e.Args.ElementAtOrDefault(1)) ?? string.Empty);
            await e.AckAsync();
        });
        socket.On("kick", async e =>
        {
            await InRoom(nsp, RoomOf(e.Args.ElementAtOrDefault(0))).DisconnectSocketsAsync(close: true);
            await e.AckAsync();
        });
        socket.On("set-data", async e =>
        {
            socket.Data = e.Args.ElementAtOrDefault(0) ?? JValue.CreateNull();
            await e.AckAsync();
        });
        socket.On("whoami", e => e.AckAsync(new JObject { ["server"] = settings.ServerName, ["id"] = socket.Id }));

        // Server-side events always go through the main namespace, where hello/who listen.
        socket.On("sse", async e =>
        {
            if (_clustered)
            {
                await io.Sockets.ServerSideEmitAsync(NameOf(e.Args[0]), Rest(e.Args, 1));
            }

            await e.AckAsync();
        });
        socket.On("sse-ack", async e =>
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

            await e.AckAsync(result);
        });
        socket.On("stats", e => e.AckAsync(new JObject
        {
            ["rss"] = Environment.WorkingSet,
            ["clients"] = io.Engine.ClientsCount,
            ["runtime"] = ".NET " + Environment.Version,
        }));
    }
}
