using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SocketIo.Server.Hosting;

/// <summary>Registers SocketIoNet in ASP.NET Core (Node: <c>new Server(httpServer, options)</c>).</summary>
public static class SocketIoServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="SocketIoServer"/> configured by <paramref name="configure"/>; serve it with
    /// <c>app.MapSocketIo()</c>. The server closes gracefully when the host stops.
    /// </summary>
    /// <remarks>
    /// On Linux, Kestrel's <c>Limits.MaxConcurrentConnections</c> and <c>Limits.MaxConcurrentUpgradedConnections</c>
    /// that the application left unset are sized to the process's file-descriptor limit, less a reserve: past them
    /// Kestrel closes new connections and WebSocket upgrades are answered 503, where running out of descriptors
    /// would crash the process. A limit the application sets is kept.
    /// </remarks>
    public static ISocketIoBuilder AddSocketIo(this IServiceCollection services, Action<SocketIoOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SocketIoOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Bad settings stop the host at start-up with every problem named, not at the first connection.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SocketIoOptions>>(new OptionsErrorsValidator<SocketIoOptions>(static o => o.GetErrors())));
        options.ValidateOnStart();

        // A server that runs out of file descriptors is killed by the runtime (accept's EMFILE ends in a fail-fast),
        // so Kestrel's connection limits default to what the process can afford (KestrelConnectionLimitsSetup).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, KestrelConnectionLimitsSetup>(
            _ => KestrelConnectionLimitsSetup.ForThisProcess()));

        // Endpoints marked with UseSocketIoWebSockets get the direct listener; the rest keep their transport. Kestrel
        // tries the factories registered last first, and UseKestrel has registered its socket transport by now.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, DirectSocketListenerFactory>());

        services.TryAddSingleton(sp => new SocketIoServer(
            sp.GetRequiredService<IOptions<SocketIoOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddHostedService<SocketIoLifetimeService>();

        // After a mass disconnect the closed sessions' memory goes back to the system (MemoryReleaseService).
        services.AddOptions<SocketIoMemoryReleaseOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SocketIoMemoryReleaseOptions>>(new OptionsErrorsValidator<SocketIoMemoryReleaseOptions>(static o => o.GetErrors())));
        services.AddHostedService<MemoryReleaseService>();
        return new SocketIoBuilder(services);
    }

    private sealed class SocketIoBuilder(IServiceCollection services) : ISocketIoBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
