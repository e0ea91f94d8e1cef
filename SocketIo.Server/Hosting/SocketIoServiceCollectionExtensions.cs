using Microsoft.AspNetCore.Connections;
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
    /// It leaves the host's own settings alone: Kestrel's connection limits and the garbage collector are changed only
    /// on request (<see cref="SocketIoHostTuningExtensions"/>).
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

        // Endpoints marked with UseSocketIoWebSockets get the direct listener; the rest keep their transport. Kestrel
        // tries the factories registered last first, and UseKestrel has registered its socket transport by now.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, DirectSocketListenerFactory>());

        services.TryAddSingleton(sp => new SocketIoServer(
            sp.GetRequiredService<IOptions<SocketIoOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddHostedService<SocketIoLifetimeService>();

        return new SocketIoBuilder(services);
    }

    private sealed class SocketIoBuilder(IServiceCollection services) : ISocketIoBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
