using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SocketIo.InteropServer;
using SocketIo.Server.EngineIo;
using SocketIo.Server.Hosting;

// The black-box host of ../shared/interop-contract.md, driven by environment variables only.
var settings = InteropSettings.FromEnvironment();

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
// stdout carries exactly one line ("listening on …"); logs go to stderr.
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k =>
{
    k.Listen(IPAddress.Parse(settings.Host), settings.Port);
    k.AddServerHeader = false;
});

var app = builder.Build();

EngineIoOptions EngineOptions()
{
    var options = new EngineIoOptions
    {
        PingInterval = TimeSpan.FromMilliseconds(settings.PingInterval),
        PingTimeout = TimeSpan.FromMilliseconds(settings.PingTimeout),
        MaxHttpBufferSize = settings.MaxHttpBufferSize,
    };
    if (settings.CorsOrigin is { } origin)
    {
        options.Cors = new EngineIoCorsOptions();
        options.Cors.Origins.Add(origin);
    }

    return options;
}

var echo = new EngineIoServer(EngineOptions(), new EngineIoEchoHandler(), app.Services.GetRequiredService<ILogger<EngineIoServer>>());
app.MapEngineIo("/engine.io", echo);

app.Lifetime.ApplicationStopping.Register(echo.CloseAll);

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
var port = new Uri(address).Port;
Console.Out.WriteLine($"listening on http://{settings.Host}:{port}");
Console.Out.Flush();
await app.WaitForShutdownAsync();
