using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using SocketIo.Server.EngineIo;

// Where SignalR's MapHub lives: no extra using in Program.cs.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps a bare Engine.IO endpoint (Node: <c>engine.attach(httpServer, { path })</c>).</summary>
public static class EngineIoEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves <paramref name="server"/> under <paramref name="path"/> with a trailing slash (Node's default
    /// <c>addTrailingSlash</c>), for polling and WebSocket alike. WebSockets are enabled inside the endpoint, so
    /// the app needs no global <c>UseWebSockets()</c>; request timeouts are disabled for long polls.
    /// </summary>
    public static IEndpointConventionBuilder MapEngineIo(this IEndpointRouteBuilder endpoints, string path, EngineIoServer server)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(server);
        var prefix = NormalizePath(path);

        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.UseWebSockets();
        pipeline.Run(context =>
        {
            // Node handles "<path>/…" only; "<path>" without the slash is not an Engine.IO request.
            if (!(context.Request.PathBase.Value + context.Request.Path.Value).StartsWith(prefix, StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            // Engine.IO enforces maxHttpBufferSize itself (413 on polling, close on WebSocket).
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            {
                bodyLimit.MaxRequestBodySize = null;
            }

            return server.HandleRequestAsync(context);
        });

        return endpoints.Map(prefix + "{**engineIoPath}", pipeline.Build())
            .WithDisplayName("Engine.IO " + prefix)
            .DisableRequestTimeout();
    }

    internal static string NormalizePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var trimmed = path.TrimEnd('/');
        if (!trimmed.StartsWith('/'))
        {
            trimmed = "/" + trimmed;
        }

        return trimmed + "/";
    }
}
