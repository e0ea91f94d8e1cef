using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace SocketIo.Server.Hosting;

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
        return endpoints.MapEngineIo(path ?? server.Options.Path, server.Engine).WithDisplayName("Socket.IO");
    }
}
