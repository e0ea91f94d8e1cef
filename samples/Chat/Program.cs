using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SocketIo.Samples.Chat;
using SocketIo.AdminUi;
using SocketIo.Server;

// A browser chat on SocketIoNet: JWT sign-in checked in io.Use, channels as rooms, acked messages, volatile typing
// indicators, presence from fetchSockets, a Redis cluster when REDIS_URL is set (two instances share one chat), and the
// Socket.IO Admin UI at /admin-ui/ behind a login of its own.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var host = Environment.GetEnvironmentVariable("HOST") ?? "127.0.0.1";
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "3000", System.Globalization.CultureInfo.InvariantCulture);
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(host), port));
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// Instances of one cluster must share the secret; a random one is fine for a single instance.
var secret = Environment.GetEnvironmentVariable("CHAT_SECRET") ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
builder.Services.AddSingleton(new ChatTokens(secret, TimeProvider.System));
builder.Services.AddSingleton<ChatHistory>();
builder.Services.AddSingleton<ChatHub>();

var socketIo = builder.Services.AddSocketIo(options =>
{
    // The browser client from the npm package socket.io-client that `npm ci` installs (Node: serveClient).
    options.ClientFilesDirectory = FindClientFiles();
});
var redisUrl = Environment.GetEnvironmentVariable("REDIS_URL") is { Length: > 0 } url ? url : null;
if (redisUrl is not null)
{
    // Said plainly at start, rather than by the adapter's first failure once clients arrive.
    if (await RedisUnreachableAsync(redisUrl) is { } problem)
    {
        Console.Error.WriteLine($"cannot reach Redis at {redisUrl}: {problem}");
        return 1;
    }

    socketIo.AddRedisAdapter(redisUrl);
}

// The Admin UI's own login (user "admin"): the chat's sign-in is for chatting, not for disconnecting other people.
// Its password comes from CHAT_ADMIN_PASSWORD, or is made up and printed at start; only its bcrypt hash is kept.
var adminPassword = Environment.GetEnvironmentVariable("CHAT_ADMIN_PASSWORD") is { Length: > 0 } given ? given : null;
var madeUpPassword = adminPassword is null ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) : null;
socketIo.AddAdminUi(o =>
{
    o.Auth = AdminUiAuth.Basic("admin", BCrypt.Net.BCrypt.HashPassword(adminPassword ?? madeUpPassword));
    o.ServerId = $"chat-{port}";
    if (redisUrl is not null)
    {
        // Instances behind one load balancer share the dashboard's sessions, as Node's RedisStore does.
        var redisUri = new Uri(redisUrl);
        var sessions = StackExchange.Redis.ConnectionMultiplexer.Connect($"{redisUri.Host}:{(redisUri.Port < 0 ? 6379 : redisUri.Port)}");
        o.Store = new RedisAdminUiStore(sessions.GetDatabase());
    }
});

var app = builder.Build();
app.UseSocketIoAdminUi(FindInNodeModules("@socket.io/admin-ui/ui/dist", "index.html"));
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapPost("/api/login", (LoginRequest login, ChatTokens tokens) =>
    string.IsNullOrWhiteSpace(login.Name) || login.Name.Length > 32
        ? Results.BadRequest(new { error = "a name of 1 to 32 characters" })
        : Results.Ok(new { token = tokens.Issue(login.Name.Trim()) }));
app.MapGet("/api/channels", () => ChatHub.Channels);
app.MapSocketIo("/socket.io");
app.Services.GetRequiredService<ChatHub>().Register();

await app.StartAsync();
var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
Console.WriteLine($"Chat running at http://{host}:{bound.Port}/");
Console.WriteLine(madeUpPassword is null
    ? $"Admin UI at http://{host}:{bound.Port}/admin-ui/ (user admin, the password in CHAT_ADMIN_PASSWORD)"
    : $"Admin UI at http://{host}:{bound.Port}/admin-ui/ (user admin, password {madeUpPassword}; set CHAT_ADMIN_PASSWORD to choose one)");
await app.WaitForShutdownAsync();
return 0;

static async Task<string?> RedisUnreachableAsync(string url)
{
    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss"))
    {
        return "REDIS_URL must look like redis://host:port";
    }

    using var client = new System.Net.Sockets.TcpClient();
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
    try
    {
        await client.ConnectAsync(uri.Host, uri.Port < 0 ? 6379 : uri.Port, timeout.Token);
        return null;
    }
    catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
    {
        return ex is OperationCanceledException ? "no answer within 5 s" : ex.Message;
    }
}

static string FindClientFiles() => FindInNodeModules("socket.io-client/dist", "socket.io.js");

// What `npm ci` in the repository root installs, looked for upwards from the binary.
static string FindInNodeModules(string relative, string marker)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "node_modules", relative);
        if (File.Exists(Path.Combine(candidate, marker)))
        {
            return candidate;
        }
    }

    throw new DirectoryNotFoundException($"node_modules/{relative} not found: run `npm ci` in the repository root.");
}

internal sealed record LoginRequest(string? Name);
