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
    /// <c>addTrailingSlash</c>), and at <paramref name="path"/> itself too when <see cref="EngineIoOptions.AddTrailingSlash"/>
    /// is off, for polling and WebSocket alike. WebSockets are enabled inside the endpoint, so
    /// the app needs no global <c>UseWebSockets()</c>; request timeouts are disabled for long polls.
    /// </summary>
    public static IEndpointConventionBuilder MapEngineIo(this IEndpointRouteBuilder endpoints, string path, EngineIoServer server)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(server);
        var prefix = NormalizePath(path);
        // Node with addTrailingSlash: false serves every URL that starts with the path as given ("/socket.io?…" and
        // "/socket.io/?…"); here the path itself and everything under it.
        var bare = server.Options.AddTrailingSlash ? null : prefix[..^1];

        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.UseWebSockets();
        pipeline.Run(context =>
        {
            // Node handles "<path>/…" only; "<path>" without the slash is not an Engine.IO request.
            var requested = context.Request.PathBase.Value + context.Request.Path.Value;
            if (!requested.StartsWith(prefix, StringComparison.Ordinal) && requested != bare)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            // Engine.IO enforces maxHttpBufferSize itself (413 on polling, close on WebSocket).
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            {
                bodyLimit.MaxRequestBodySize = null;
            }

            // And it bounds a POST body's time itself (HttpRequestBodyTimeout, 30 s, then 408 as engine.io 6.6.13):
            // Kestrel's minimum body data rate (240 B/s after 5 s) would reset the connection first, with no answer.
            if (context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinRequestBodyDataRateFeature>() is { } rate)
            {
                rate.MinDataRate = null;
            }

            return server.HandleRequestAsync(context);
        });

        var handler = pipeline.Build();
        var engine = endpoints.Map(prefix + "{**engineIoPath}", handler)
            .WithDisplayName("Engine.IO " + prefix)
            .DisableRequestTimeout();
        if (bare is null)
        {
            return engine;
        }

        var withoutSlash = endpoints.Map(bare, handler).WithDisplayName("Engine.IO " + bare).DisableRequestTimeout();
        return new SocketIo.Server.Hosting.CompositeConventionBuilder(engine, withoutSlash);
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
