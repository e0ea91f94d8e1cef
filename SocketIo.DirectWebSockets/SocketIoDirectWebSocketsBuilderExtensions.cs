using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SocketIo.DirectWebSockets;

// Where AddSocketIo lives (the SignalR convention): no extra using in Program.cs.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Opt-ins of SocketIo.DirectWebSockets on the builder that <c>AddSocketIo</c> returns. Nothing of this package is
/// registered unless one of them is called.
/// </summary>
public static class SocketIoDirectWebSocketsBuilderExtensions
{
    /// <summary>
    /// Registers the lean WebSocket engine for the Kestrel endpoints marked with <c>UseDirectWebSockets</c> (Node: a
    /// <c>wsEngine</c> such as eiows): their new WebSocket sessions run on the package's own listener and RFC 6455
    /// framing; other endpoints keep Kestrel's transport. Whether a session may open is decided by the server's own
    /// rules (<c>EngineIoServer.AdmitWebSocket</c>), as on the HTTP path. <paramref name="configure"/> sets the
    /// engine's own options (<see cref="DirectWebSocketsOptions"/>).
    /// </summary>
    public static ISocketIoBuilder AddDirectWebSockets(this ISocketIoBuilder builder, Action<DirectWebSocketsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<DirectWebSocketsOptions>()
            .Validate(o => o.HeadersTimeout > TimeSpan.Zero, "DirectWebSocketsOptions.HeadersTimeout must be positive.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<DirectSocketListenerFactory>();
        // Kestrel tries the factories registered last first, and UseKestrel has registered its socket transport by now.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, DirectSocketListenerFactory>(
            static sp => sp.GetRequiredService<DirectSocketListenerFactory>()));
        return builder;
    }

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
            static _ => KestrelConnectionLimitsSetup.ForThisProcess()));
        return builder;
    }
}
