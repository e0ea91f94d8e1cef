using Newtonsoft.Json.Linq;
using SocketIo.Server;

namespace SocketIo.Samples.Chat;

/// <summary>The chat's Socket.IO handlers: sign-in check, channels as rooms, acked messages, volatile typing, presence.</summary>
public sealed class ChatHub(SocketIoServer io, ChatTokens tokens, ChatHistory history)
{
    public static readonly string[] Channels = ["general", "random", "dotnet"];

    /// <summary>The longest message the chat takes; a longer one is refused in its ack (and shown as not delivered).</summary>
    public const int MaxMessageLength = 2000;

    public void Register()
    {
        // Every connection must carry a valid token (Node: io.use((socket, next) => …)).
        io.Use((socket, next) =>
        {
            var user = tokens.Validate(socket.Handshake.Auth.Value<string>("token"));
            if (user is null)
            {
                throw new ConnectionRejectedException("invalid token", new { reason = "sign in again" });
            }

            socket.Data = new JObject { ["id"] = user.Id, ["name"] = user.Name };
            return next();
        });

        // Another instance of the cluster took a message: keep it here too.
        io.OnServerSideEmit("history", e =>
        {
            if (e.GetValue<string>(0) is { } channel && Channels.Contains(channel) && e.Args.Count > 1 && e.Args[1] is JObject message)
            {
                history.Add(channel, message);
            }

            return ValueTask.CompletedTask;
        });

        io.OnConnection(async (socket, _) =>
        {
            // The name comes from the token: a page that signed in with a token learns who it is.
            await socket.EmitAsync("welcome", new { name = NameOf(socket) });
            socket.On("join", e => JoinAsync(socket, e));
            socket.On("message", e => MessageAsync(socket, e));
            socket.On("typing", e => TypingAsync(socket, e));
            socket.OnDisconnecting(_ => LeaveAllAsync(socket));
        });
    }

    private static string NameOf(SocketIoSocket socket) => socket.Data.Value<string>("name") ?? "?";

    private static string? ChannelOf(SocketIoSocket socket) => socket.Rooms.FirstOrDefault(r => Channels.Contains(r));

    private async ValueTask JoinAsync(SocketIoSocket socket, SocketIoEvent e)
    {
        var channel = e.GetValue<string>(0);
        if (channel is null || !Channels.Contains(channel))
        {
            await e.AckAsync(new { error = "no such channel" });
            return;
        }

        await LeaveAllAsync(socket);
        await socket.JoinAsync(channel);
        await socket.To(channel).EmitAsync("notice", new { text = $"{NameOf(socket)} joined #{channel}" });
        var users = await UsersAsync(channel);
        await io.To(channel).EmitAsync("presence", new { channel, users });
        await e.AckAsync(new { channel, users, history = history.Of(channel) });
    }

    private async ValueTask LeaveAllAsync(SocketIoSocket socket)
    {
        if (ChannelOf(socket) is not { } channel)
        {
            return;
        }

        await socket.LeaveAsync(channel);
        await io.To(channel).EmitAsync("notice", new { text = $"{NameOf(socket)} left #{channel}" });
        await io.To(channel).EmitAsync("presence", new { channel, users = await UsersAsync(channel) });
    }

    /// <summary>
    /// Who is in a channel, cluster-wide (Node: <c>io.in(room).fetchSockets()</c>): one entry per user, so a user's
    /// second tab is not a second member, while two users who chose the same name are two.
    /// </summary>
    private async Task<string[]> UsersAsync(string channel)
    {
        var sockets = await io.In(channel).FetchSocketsAsync();
        return sockets
            .Select(s => (Id: s.Data?.Value<string>("id") ?? s.Id, Name: s.Data?.Value<string>("name") ?? "?"))
            .DistinctBy(u => u.Id)
            .Select(u => u.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private async ValueTask MessageAsync(SocketIoSocket socket, SocketIoEvent e)
    {
        var text = e.GetValue<string>(0)?.Trim();
        if (ChannelOf(socket) is not { } channel || string.IsNullOrEmpty(text))
        {
            await e.AckAsync(new { error = "join a channel first" });
            return;
        }

        if (text.Length > MaxMessageLength)
        {
            await e.AckAsync(new { error = $"messages are at most {MaxMessageLength} characters" });
            return;
        }

        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var message = new JObject { ["id"] = Guid.NewGuid().ToString("N"), ["from"] = NameOf(socket), ["text"] = text, ["at"] = at };
        history.Add(channel, message);
        await socket.To(channel).EmitAsync("message", message);
        await io.ServerSideEmitAsync("history", channel, message);
        // The ack confirms delivery to the server; the sender shows its message as confirmed.
        await e.AckAsync(new { id = message["id"], at });
    }

    private static ValueTask TypingAsync(SocketIoSocket socket, SocketIoEvent e) =>
        ChannelOf(socket) is { } channel
            // Typing indicators are volatile: losing one is better than queueing stale ones.
            ? socket.To(channel).Volatile.EmitAsync("typing", new { name = NameOf(socket), typing = e.GetValue<bool>(0) })
            : ValueTask.CompletedTask;
}
