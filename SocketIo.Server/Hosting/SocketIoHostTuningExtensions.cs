using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SocketIo.Server.Hosting;

/// <summary>
/// Opt-in changes to the host that a Socket.IO server with many connections benefits from. <c>AddSocketIo</c> makes
/// none of them: Kestrel's limits and the garbage collector are the application's to decide (README, "ASP.NET Core
/// integration", has the measured gain of each).
/// </summary>
public static class SocketIoHostTuningExtensions
{
    /// <summary>
    /// On Linux, sizes Kestrel's <c>Limits.MaxConcurrentConnections</c> and <c>Limits.MaxConcurrentUpgradedConnections</c>
    /// that the application left unset to the process's file-descriptor limit, less the descriptors already open and a
    /// reserve. Past them Kestrel closes new connections and WebSocket upgrades are answered 503, where running out of
    /// descriptors would end the process (the runtime fails fast after <c>accept</c> fails with EMFILE). These are
    /// Kestrel's limits, so they apply to every endpoint of the application. A limit set before this call is kept.
    /// </summary>
    public static ISocketIoBuilder AddFileDescriptorConnectionLimits(this ISocketIoBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, KestrelConnectionLimitsSetup>(
            _ => KestrelConnectionLimitsSetup.ForThisProcess()));
        return builder;
    }

    /// <summary>
    /// After a mass disconnect, gives the closed sessions' memory back to the system with one full, compacting garbage
    /// collection (<see cref="SocketIoMemoryReleaseOptions"/> says when). Without it a server that goes quiet after the
    /// closes allocates too little for the runtime to start a full collection, and keeps that memory. The collection
    /// pauses the whole process for as long as compacting its heap takes.
    /// </summary>
    public static ISocketIoBuilder AddMemoryRelease(this ISocketIoBuilder builder, Action<SocketIoMemoryReleaseOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<SocketIoMemoryReleaseOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SocketIoMemoryReleaseOptions>>(new OptionsErrorsValidator<SocketIoMemoryReleaseOptions>(static o => o.GetErrors())));
        services.AddHostedService<MemoryReleaseService>();
        return builder;
    }
}
