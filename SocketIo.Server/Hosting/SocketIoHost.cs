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
/// Socket.IO path answers 404, as Node's standalone server does. <see cref="RunAsync"/> keeps a program alive
/// until Ctrl+C or SIGTERM, as Node's listening server keeps its process alive.
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

    /// <summary>
    /// Serves until the process is asked to stop (Ctrl+C/SIGINT, SIGTERM, SIGQUIT) or <paramref name="cancellationToken"/>
    /// is cancelled, then stops as <see cref="StopAsync"/> does: every socket leaves with "server shutting down", the
    /// port is released, and the task completes (a program that returns then exits with code 0). Node: a listening
    /// <c>new Server(3000)</c> keeps its process alive; ASP.NET Core: <c>WaitForShutdownAsync</c> after <c>StartAsync</c>.
    /// </summary>
    /// <remarks>
    /// The host's console lifetime turns those signals into a stop request and cancels their default action (ending
    /// the process), so a program that started the host and waits on anything else never ends on Ctrl+C or SIGTERM.
    /// </remarks>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (_app.Lifetime.ApplicationStopping.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), stopRequested).ConfigureAwait(false))
        await using (cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), stopRequested).ConfigureAwait(false))
        {
            await stopRequested.Task.ConfigureAwait(false);
        }

        // Not the caller's token: it may be the very one that asked for the stop, and the stop must still complete.
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes every connection (Node: <c>io.close()</c>) and stops listening. Calling it again, or disposing the host
    /// after it (or after <see cref="RunAsync"/>), is safe. <paramref name="cancellationToken"/> cuts short the wait
    /// for open requests to end.
    /// </summary>
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
