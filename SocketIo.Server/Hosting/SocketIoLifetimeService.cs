using Microsoft.Extensions.Hosting;

namespace SocketIo.Server.Hosting;

/// <summary>Ties the server to the host: adapters start with it, and a graceful stop closes every connection ("server shutting down").</summary>
internal sealed class SocketIoLifetimeService(SocketIoServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await server.CloseAsync().ConfigureAwait(false);
}
