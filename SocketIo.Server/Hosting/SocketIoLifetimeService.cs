using Microsoft.Extensions.Hosting;

namespace SocketIo.Server.Hosting;

/// <summary>
/// Ties the server to the host. The host starts once the main namespace's adapter has (a cluster adapter has
/// subscribed, so the others count this server before it takes a client; bounded, so an unreachable cluster delays the
/// start by at most <see cref="AdapterStartWait"/>). Connections close as soon as the host starts stopping ("server
/// shutting down"): Kestrel waits for open requests, and a WebSocket or a pending poll only ends once its session is closed.
/// </summary>
internal sealed class SocketIoLifetimeService(SocketIoServer server, IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    internal static readonly TimeSpan AdapterStartWait = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(static s => _ = ((SocketIoServer)s!).CloseAsync().AsTask(), server);
        try
        {
            await server.AdapterInitialized.WaitAsync(AdapterStartWait, server.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The adapter goes on starting (and logs what fails); the host does not wait for it any longer.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.DisposeAsync().ConfigureAwait(false);
        await server.CloseAsync().ConfigureAwait(false);
    }
}
