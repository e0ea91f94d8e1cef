using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using SocketIo.Server.EngineIo;

namespace SocketIo.Server.Hosting;

/// <summary>
/// Decides which upgrade requests are opened directly (by <see cref="DirectSocketListener"/> on plain endpoints, by
/// <see cref="DirectWebSocketMiddleware"/> behind TLS): only those the HTTP path would accept with no per-request
/// decision left, so that the answer is the same either way.
/// </summary>
internal sealed class DirectWebSocketAdmission(string prefix, bool originsRestricted)
{
    /// <summary>
    /// The admission for an endpoint: <paramref name="path"/> (default: the server's <c>Path</c>), and ASP.NET's
    /// WebSocket origin allow-list, which keeps upgrades on the ASP.NET path when one is configured.
    /// </summary>
    public static DirectWebSocketAdmission For(IServiceProvider services, SocketIoServer server, string? path) => new(
        EngineIoEndpointRouteBuilderExtensions.NormalizePath(path ?? server.Options.Path),
        services.GetService<IOptions<WebSocketOptions>>()?.Value.AllowedOrigins.Count > 0);

    /// <summary>
    /// How long the first bytes of a connection are awaited; a client that opens a connection and sends nothing is then
    /// left to Kestrel's own header timeout.
    /// </summary>
    public static readonly TimeSpan FirstRequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The engine path this endpoint answers, as clients send it.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>
    /// A new WebSocket session the HTTP path would accept with no per-request decision left: EIO=4, the websocket
    /// transport enabled, no sid (an upgrade of a polling session stays on the HTTP path), and none of the options that
    /// act on the HTTP exchange (allowRequest, cookie, CORS headers, permessage-deflate negotiation). Nothing
    /// qualifies once the engine is closed: the HTTP path answers those.
    /// </summary>
    /// <returns>The parsed query when it qualifies, else null.</returns>
    public Dictionary<string, StringValues>? Qualifies(WebSocketHandshakeRequest request, EngineIoServer engine)
    {
        var options = engine.Options;
        // Exactly the engine path, as clients send it: anything else under it (client files, encoded or dot
        // segments that Kestrel would decode or normalise) is routed by ASP.NET. An ASP.NET origin allow-list
        // (WebSocketOptions.AllowedOrigins) sends upgrades the ASP.NET way.
        if (!string.Equals(request.Path, Prefix, StringComparison.Ordinal)
            || engine.IsClosed
            || originsRestricted
            || !request.IsPlainUpgrade(extensionsMustBeNegotiated: options.PerMessageDeflate)
            || options.AllowRequest is not null
            || options.Cookie is not null
            || options.Cors is not null
            || !options.Transports.Contains(EngineIoOptions.WebSocket))
        {
            return null;
        }

        if (request.Headers.TryGetValue("Origin", out var origins)
            && (origins.Count > 1 || EngineIoServer.HasInvalidHeaderChar(origins.ToString())))
        {
            return null;
        }

        var query = QueryHelpers.ParseQuery(request.QueryString);
        return query.TryGetValue("EIO", out var eio) && eio == "4"
            && query.TryGetValue("transport", out var transport) && transport == EngineIoOptions.WebSocket
            && !query.ContainsKey("sid")
            ? query
            : null;
    }

    public static EngineIoRequest ToEngineRequest(WebSocketHandshakeRequest request, Dictionary<string, StringValues> parsed, IPAddress? remote, bool secure)
    {
        return new EngineIoRequest(
            "GET",
            request.Target,
            request.Headers,
            EngineIoRequest.OrdinalQuery(parsed, parsed.Count),
            remote,
            secure,
            user: null); // anonymous, made if asked for
    }
}
