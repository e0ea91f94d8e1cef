using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIo.Server;
using SocketIo.DirectWebSockets;

using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// An ASP.NET Core app with one loopback endpoint marked <c>UseDirectWebSockets</c> (between what
/// <c>beforeDirect</c> and <c>afterDirect</c> add, e.g. <c>UseHttps</c> before it) and an "echo" event that acks its
/// argument.
/// </summary>
internal sealed class DirectWebSocketApp : IAsyncDisposable
{
    private DirectWebSocketApp(WebApplication app, int port)
    {
        App = app;
        Port = port;
    }

    public WebApplication App { get; }

    public int Port { get; }

    public SocketIoServer Io => App.Services.GetRequiredService<SocketIoServer>();

    /// <summary>The direct listener bound for the endpoint.</summary>
    public DirectSocketListener Listener =>
        App.Services.GetRequiredService<DirectSocketListenerFactory>().Listeners.Single();

    public static async Task<DirectWebSocketApp> StartAsync(
        Action<ListenOptions>? beforeDirect = null,
        Action<ListenOptions>? afterDirect = null,
        long? maxConcurrentConnections = null,
        Action<SocketIoOptions>? configure = null,
        Action<DirectWebSocketsOptions>? direct = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxConcurrentConnections = maxConcurrentConnections;
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                beforeDirect?.Invoke(listen);
                listen.UseDirectWebSockets();
                afterDirect?.Invoke(listen);
            });
        });
        // As the README recommends beside direct WebSockets (the limits then favour plain connections).
        builder.Services.AddSocketIo(configure).AddDirectWebSockets(direct).AddFileDescriptorConnectionLimits();
        var app = builder.Build();
        app.MapSocketIo();
        app.Services.GetRequiredService<SocketIoServer>().OnConnection((socket, _) =>
        {
            socket.On("echo", e => e.AckAsync(e.Args[0]));
            return ValueTask.CompletedTask;
        });
        await app.StartAsync().WithTimeout("the host to start");
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return new DirectWebSocketApp(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        await Io.CloseAsync();
        await App.DisposeAsync();
    }
}
