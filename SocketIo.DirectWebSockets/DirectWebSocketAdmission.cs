using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SocketIo.Server;
using SocketIo.Server.EngineIo;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// Decides which upgrade requests are opened directly (by <see cref="DirectSocketListener"/> on plain endpoints, by
/// <see cref="DirectWebSocketMiddleware"/> behind TLS). The Engine.IO rules are the server's own
/// (<see cref="EngineIoServer.AdmitWebSocket(string, IReadOnlyDictionary{string, Microsoft.Extensions.Primitives.StringValues}, System.Net.IPAddress?, bool, bool)"/>, the checks its HTTP path makes), so the two paths cannot disagree;
/// what is left here is what only this engine knows: the endpoint's path, a head it can answer without Kestrel, and
/// ASP.NET's WebSocket origin allow-list, which keeps upgrades on the ASP.NET path when one is configured.
/// </summary>
internal sealed class DirectWebSocketAdmission(string prefix, bool originsRestricted, bool alsoWithoutSlash = false, TimeSpan? headersTimeout = null, bool eventLoop = true)
{
    /// <summary>The admission for an endpoint: <paramref name="path"/>, default the server's <c>Path</c>.</summary>
    public static DirectWebSocketAdmission For(IServiceProvider services, SocketIoServer server, string? path) => new(
        NormalizePath(path ?? server.Options.Path),
        services.GetService<IOptions<WebSocketOptions>>()?.Value.AllowedOrigins.Count > 0,
        alsoWithoutSlash: !server.Engine.Options.AddTrailingSlash,
        services.GetService<IOptions<DirectWebSocketsOptions>>()?.Value.HeadersTimeout,
        services.GetService<IOptions<DirectWebSocketsOptions>>()?.Value.EventLoop ?? true);

    /// <summary>Whether direct sessions run on the engine's event loops (<see cref="DirectWebSocketsOptions.EventLoop"/>).</summary>
    public bool EventLoop { get; } = eventLoop;

    /// <summary>
    /// How long the first bytes of a connection are awaited (<see cref="DirectWebSocketsOptions.HeadersTimeout"/>); a
    /// connection that sends nothing by then is answered <see cref="RequestTimeoutResponse"/> and closed.
    /// </summary>
    public TimeSpan HeadersTimeout { get; } = headersTimeout ?? new DirectWebSocketsOptions().HeadersTimeout;

    /// <summary>What Node's HTTP server writes to a connection whose headers did not come in time, byte for byte.</summary>
    public static ReadOnlyMemory<byte> RequestTimeoutResponse { get; } = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"u8.ToArray();

    /// <summary>The engine path this endpoint answers, as clients send it.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>
    /// The session's request when <paramref name="request"/> opens a new WebSocket session this engine answers itself,
    /// else null (the connection then goes to Kestrel unread, and the HTTP path answers it).
    /// </summary>
    public EngineIoRequest? Admit(WebSocketHandshakeRequest request, EngineIoServer engine, IPAddress? remote, bool secure)
    {
        // Exactly the engine path, as clients send it: anything else under it (client files, encoded or dot segments
        // that Kestrel would decode or normalise) is routed by ASP.NET.
        var path = request.Path;
        var onPath = string.Equals(path, Prefix, StringComparison.Ordinal)
            || (alsoWithoutSlash && path.Length == Prefix.Length - 1 && Prefix.StartsWith(path, StringComparison.Ordinal)); // EngineIoOptions.AddTrailingSlash off
        if (!onPath || originsRestricted || !request.IsPlainUpgrade())
        {
            return null;
        }

        return engine.AdmitWebSocket(request.Target, request.Headers, remote, secure, negotiatesPerMessageDeflate: true);
    }

    /// <summary>
    /// What ws answers, byte for byte, to an upgrade whose <c>Sec-WebSocket-Extensions</c> does not parse or has an
    /// invalid permessage-deflate parameter (websocket-server.js handleUpgrade, abortHandshake).
    /// </summary>
    public static ReadOnlyMemory<byte> InvalidExtensionsResponse { get; } =
        "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: 55\r\n\r\nInvalid or unacceptable Sec-WebSocket-Extensions header"u8.ToArray();

    /// <summary>
    /// Negotiates permessage-deflate for an admitted request, as engine.io's ws does: only with
    /// <see cref="EngineIoOptions.PerMessageDeflate"/> on and an offer made. False: answer
    /// <see cref="InvalidExtensionsResponse"/> and close. True with null parameters: serve uncompressed.
    /// </summary>
    public static bool TryNegotiateDeflate(WebSocketHandshakeRequest request, EngineIoServer engine, out PerMessageDeflateParameters? deflate)
    {
        deflate = null;
        return !engine.Options.PerMessageDeflate
            || !request.Headers.TryGetValue("Sec-WebSocket-Extensions", out var offers)
            || PerMessageDeflateNegotiation.TryNegotiate(string.Join(", ", offers.ToArray()), out deflate);
    }

    /// <summary>The path as <c>MapEngineIo</c> serves it: one leading slash, one trailing slash.</summary>
    internal static string NormalizePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var trimmed = path.TrimEnd('/');
        return (trimmed.StartsWith('/') ? trimmed : "/" + trimmed) + "/";
    }
}
