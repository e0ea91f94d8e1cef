using Microsoft.Extensions.Hosting;

namespace SocketIo.Server.Hosting;

/// <summary>
/// Ties the server to the host. Connections close as soon as the host starts stopping ("server shutting down"):
/// Kestrel waits for open requests, and a WebSocket or a pending poll only ends once its session is closed.
/// </summary>
internal sealed class SocketIoLifetimeService(SocketIoServer server, IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(static s => _ = ((SocketIoServer)s!).CloseAsync().AsTask(), server);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.DisposeAsync().ConfigureAwait(false);
        await server.CloseAsync().ConfigureAwait(false);
    }
}
