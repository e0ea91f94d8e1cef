using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SocketIo.AdminUi;
using SocketIo.InteropServer;
using SocketIo.Server;
using SocketIo.Server.EngineIo;

// The black-box host of ../shared/interop-contract.md, driven by environment variables only.
var settings = InteropSettings.FromEnvironment();

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
// stdout carries exactly one line ("listening on …"); logs go to stderr.
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
// With this category enabled at any level, hosting starts an Activity and a logging scope for every HTTP request,
// and a WebSocket keeps both for its lifetime: per-request CPU for polling, memory per connection (README, tuning).
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
// New WebSocket sessions skip Kestrel's HTTP/1 layer (SocketIo.DirectWebSockets; the contract's auth is Socket.IO's,
// not ASP.NET's). DIRECT_WEBSOCKETS=0 serves them through ASP.NET Core like everything else, as the core alone does.
var directWebSockets = Environment.GetEnvironmentVariable("DIRECT_WEBSOCKETS") != "0";
builder.WebHost.ConfigureKestrel(k =>
{
    k.Listen(IPAddress.Parse(settings.Host), settings.Port, listen =>
    {
        if (directWebSockets)
        {
            listen.UseDirectWebSockets();
        }
    });
    k.AddServerHeader = false;
});

void ConfigureEngine(EngineIoOptions options)
{
    if (settings.IdPrefix is { } prefix)
    {
        // A base64id as Node's makes it: 15 random bytes, URL-safe base64 (20 characters).
        options.GenerateId = _ => ValueTask.FromResult(prefix + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_'));
    }

    options.PingInterval = TimeSpan.FromMilliseconds(settings.PingInterval);
    options.PingTimeout = TimeSpan.FromMilliseconds(settings.PingTimeout);
    options.MaxHttpBufferSize = settings.MaxHttpBufferSize;
    options.PerMessageDeflate = settings.PerMessageDeflate;
    options.AllowEIO3 = settings.AllowEio3;
    if (settings.CorsOrigin is { } origin)
    {
        options.Cors = new EngineIoCorsOptions();
        options.Cors.Origins.Add(origin);
    }
}

// The host tuning the README recommends for a server with many connections (the benchmark measures with it).
var socketIo = builder.Services.AddSocketIo(options =>
    {
        options.ConnectTimeout = TimeSpan.FromMilliseconds(settings.ConnectTimeout);
        ConfigureEngine(options.Engine);
        options.CleanupEmptyChildNamespaces = settings.CleanupEmptyChildNamespaces;
        options.Parser = settings.Parser switch
        {
            "default" => SocketIoParser.Default,
            "msgpack" => SocketIoParser.Msgpack,
            var other => throw new ArgumentException($"invalid PARSER={other}: expected default or msgpack"),
        };
        if (settings.StateRecoveryMs is { } window)
        {
            options.ConnectionStateRecovery = new ConnectionStateRecoveryOptions
            {
                MaxDisconnectionDuration = TimeSpan.FromMilliseconds(window),
                SkipMiddlewares = true,
            };
        }
    })
    .AddFileDescriptorConnectionLimits()
    .AddMemoryRelease();
if (directWebSockets)
{
    // DIRECT_EVENT_LOOP=0: the direct sessions on the runtime's sockets and the thread pool (the benchmark's "before").
    var eventLoop = Environment.GetEnvironmentVariable("DIRECT_EVENT_LOOP") != "0";
    socketIo.AddDirectWebSockets(o => o.EventLoop = eventLoop);
}

if (settings.RedisUrl is { } redisUrl)
{
    var requestsTimeout = TimeSpan.FromMilliseconds(settings.RequestsTimeout);
    if (settings.RedisAdapter == "sharded")
    {
        // Node's sharded adapter has no requestsTimeout option (redis-wire §7.1); the contract applies REQUESTS_TIMEOUT
        // to every adapter kind, and ours has the option.
        socketIo.AddShardedRedisAdapter(redisUrl, o =>
        {
            o.ChannelPrefix = settings.RedisKey;
            o.RequestsTimeout = requestsTimeout;
        });
    }
    else if (settings.RedisAdapter == "streams")
    {
        socketIo.AddRedisStreamsAdapter(redisUrl, o =>
        {
            o.StreamName = settings.RedisKey;
            o.ChannelPrefix = settings.RedisKey;
            o.RequestsTimeout = requestsTimeout;
        });
    }
    else
    {
        socketIo.AddRedisAdapter(redisUrl, o =>
        {
            o.Key = settings.RedisKey;
            o.RequestsTimeout = requestsTimeout;
        });
    }
}

if (settings.AdminUi is { } adminUi)
{
    // The contract's ADMIN_UI: "1" is auth: false; "user:password" is basic auth with a bcrypt hash of that password.
    var colon = adminUi.IndexOf(':', StringComparison.Ordinal);
    socketIo.AddAdminUi(o =>
    {
        o.ServerId = settings.ServerName;
        o.Auth = adminUi == "1" ? AdminUiAuth.None : AdminUiAuth.Basic(adminUi[..colon], BCrypt.Net.BCrypt.HashPassword(adminUi[(colon + 1)..], 10));
    });
}

var app = builder.Build();
// A task that failed with nobody watching is a bug: make it loud in the test logs (they fail on "fail:" lines).
var unobserved = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("UnobservedTaskException");
TaskScheduler.UnobservedTaskException += (_, e) => InteropLog.TaskFailedUnobserved(unobserved, e.Exception);
var io = app.Services.GetRequiredService<SocketIoServer>();
var events = new InteropEvents(io, settings);

io.OnConnection((socket, _) =>
{
    events.Register(socket);
    return events.OnConnectionAsync(socket);
});
io.OnServerSideEmit("hello", e => io.Local.EmitAsync("hello-from", new Newtonsoft.Json.Linq.JObject { ["server"] = settings.ServerName, ["x"] = e.Args.FirstOrDefault() }));
io.OnServerSideEmit("who", e => e.AckAsync(settings.ServerName));

io.Of("/custom").OnConnection((socket, _) => events.OnConnectionAsync(socket));

io.Of("/mw")
    .Use((socket, next) => socket.Handshake.Auth.Value<string>("token") == "valid"
        ? next()
        : throw new ConnectionRejectedException("not authorized", new { reason = "bad token" }))
    .OnConnection((socket, _) =>
    {
        events.Register(socket);
        return events.OnConnectionAsync(socket);
    });

io.Of(new Regex(@"^\/dyn-\d+$", RegexOptions.CultureInvariant)).OnConnection((socket, _) =>
{
    events.Register(socket);
    return events.OnConnectionAsync(socket);
});

var engineOptions = new EngineIoOptions();
ConfigureEngine(engineOptions);
var echo = new EngineIoServer(engineOptions, new EngineIoEchoHandler(), app.Services.GetRequiredService<ILogger<EngineIoServer>>());

if (settings.ExtraHeaders)
{
    foreach (var engine in new[] { io.Engine, echo })
    {
        engine.OnInitialHeaders((headers, _) => headers["x-initial"] = "1").OnHeaders((headers, _) => headers["x-every"] = "1");
    }
}

if (settings.AdminUi is not null && Path.Combine(AppContext.BaseDirectory, "../../../../../node_modules/@socket.io/admin-ui/ui/dist") is var ui && Directory.Exists(ui))
{
    // The dashboard itself, from the npm package, at /admin-ui/ (the browser test opens it; Node's twin serves none).
    app.UseSocketIoAdminUi(ui);
}

// After the dashboard's files: static files give way to any endpoint routing has already chosen (here the fallback).
app.UseRouting();

app.MapSocketIo("/socket.io");
app.MapEngineIo("/engine.io", echo);
app.MapFallback(context =>
{
    context.Response.StatusCode = StatusCodes.Status404NotFound;
    return Task.CompletedTask;
});

app.Lifetime.ApplicationStopping.Register(echo.CloseAll);

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.Out.WriteLine($"listening on http://{settings.Host}:{new Uri(address).Port}");
Console.Out.Flush();
await app.WaitForShutdownAsync();
