using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SocketIo.Server.Hosting;

/// <summary>
/// A standalone server on its own Kestrel listener (Node: <c>new Server(3000)</c>): everything outside the
/// Socket.IO path answers 404, as Node's standalone server does.
/// </summary>
public sealed class SocketIoHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SocketIoHost(WebApplication app, SocketIoServer server, Uri url)
    {
        _app = app;
        Server = server;
        Url = url;
    }

    /// <summary>The Socket.IO server.</summary>
    public SocketIoServer Server { get; }

    /// <summary>The address it listens on, with the real port.</summary>
    public Uri Url { get; }

    /// <summary>Starts listening on <paramref name="address"/>:<paramref name="port"/> (0 picks a free port).</summary>
    public static async Task<SocketIoHost> ListenAsync(
        int port,
        Action<SocketIoOptions>? configure = null,
        IPAddress? address = null,
        Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        var ip = address ?? IPAddress.Loopback;
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(ip, port);
            k.AddServerHeader = false;
        });
        builder.Services.AddSocketIo(configure);
        var app = builder.Build();
        app.MapSocketIo();
        app.MapFallback(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SocketIoHost(app, app.Services.GetRequiredService<SocketIoServer>(), new Uri(bound));
    }

    /// <summary>Closes every connection and stops listening.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await Server.CloseAsync().ConfigureAwait(false);
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
