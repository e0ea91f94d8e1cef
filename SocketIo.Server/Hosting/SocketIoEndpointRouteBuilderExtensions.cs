using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SocketIo.Server;
using SocketIo.Server.Hosting;

// Where SignalR's MapHub lives: no extra using in Program.cs.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Socket.IO endpoint (Node: attaching <c>io</c> to the HTTP server at <c>path</c>).</summary>
public static class SocketIoEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the <see cref="SocketIoServer"/> registered with <c>AddSocketIo</c> at <paramref name="path"/>
    /// (default: <see cref="SocketIoOptions.Path"/>, <c>/socket.io</c>). Returns the endpoint builder, so CORS
    /// policies and <c>RequireAuthorization()</c> apply to it.
    /// </summary>
    public static IEndpointConventionBuilder MapSocketIo(this IEndpointRouteBuilder endpoints, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var server = endpoints.ServiceProvider.GetRequiredService<SocketIoServer>();
        return endpoints.MapSocketIo(server, path);
    }

    /// <summary>Serves the given server at <paramref name="path"/>.</summary>
    public static IEndpointConventionBuilder MapSocketIo(this IEndpointRouteBuilder endpoints, SocketIoServer server, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var prefix = path ?? server.Options.Path;
        var engine = endpoints.MapEngineIo(prefix, server.Engine).WithDisplayName("Socket.IO");
        if (server.Options.ClientFilesDirectory is not { } directory)
        {
            return engine;
        }

        // A single-segment route outranks the engine's catch-all; only the client's own file names match it.
        var files = new SocketIoClientFiles(directory);
        var client = endpoints.MapMethods(
                EngineIoEndpointRouteBuilderExtensions.NormalizePath(prefix) + "{file}",
                ClientFileMethods,
                (HttpContext context, string file) => SocketIoClientFiles.Names.Contains(file) ? files.ServeAsync(context, file) : server.Engine.HandleRequestAsync(context))
            .WithDisplayName("Socket.IO client files");
        return new CompositeConventionBuilder(engine, client);
    }

    private static readonly string[] ClientFileMethods = [HttpMethods.Get, HttpMethods.Head];
}
