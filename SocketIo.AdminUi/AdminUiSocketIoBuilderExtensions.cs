using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SocketIo.AdminUi;
using SocketIo.Server;

// Where AddSocketIo lives: no extra using in Program.cs.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Turns on the Socket.IO Admin UI for the server <c>AddSocketIo</c> registers.</summary>
public static class AdminUiSocketIoBuilderExtensions
{
    /// <summary>
    /// Instruments the server for <c>@socket.io/admin-ui</c> 0.5.1 when the host starts, before it accepts
    /// connections (Node: <c>instrument(io, options)</c>). Options are checked at start-up.
    /// </summary>
    public static ISocketIoBuilder AddAdminUi(this ISocketIoBuilder builder, Action<AdminUiOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<AdminUiOptions>().Configure(configure);
        builder.Services.AddHostedService<AdminUiHostedService>();
        return builder;
    }

    // Hosted services start before the server listens, so no socket connects unseen.
    private sealed class AdminUiHostedService(SocketIoServer io, IOptions<AdminUiOptions> options, ILoggerFactory loggerFactory) : IHostedService
    {
        private IAsyncDisposable? _instrumentation;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _instrumentation = io.Instrument(options.Value, loggerFactory);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_instrumentation is not null)
            {
                await _instrumentation.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
