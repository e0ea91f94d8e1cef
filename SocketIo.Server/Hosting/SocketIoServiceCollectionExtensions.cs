using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SocketIo.Server;
using SocketIo.Server.Hosting;

// Where SignalR's AddSignalR lives: no extra using in Program.cs.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SocketIoNet in ASP.NET Core (Node: <c>new Server(httpServer, options)</c>).</summary>
public static class SocketIoServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="SocketIoServer"/> configured by <paramref name="configure"/>; serve it with
    /// <c>app.MapSocketIo()</c>. The server closes gracefully when the host stops.
    /// </summary>
    /// <remarks>
    /// It leaves the host's own settings alone: Kestrel's transports and connection limits and the garbage collector
    /// are changed only on request (<see cref="SocketIoHostTuningExtensions"/>; the SocketIo.DirectWebSockets package's
    /// <c>AddDirectWebSockets</c> and <c>AddFileDescriptorConnectionLimits</c>). WebSockets are served by ASP.NET Core's.
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
