using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SocketIo.Server.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Opt-in changes to the host that a Socket.IO server with many connections benefits from. <c>AddSocketIo</c> makes
/// none of them: the garbage collector is the application's to decide (README, "ASP.NET Core integration", has the
/// measured gain). Kestrel's connection limits and transport are the SocketIo.DirectWebSockets package's opt-ins.
/// </summary>
public static class SocketIoHostTuningExtensions
{
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
