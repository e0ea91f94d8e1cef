using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace SocketIo.Server.Hosting;

/// <summary>Kestrel endpoint options for Socket.IO.</summary>
public static class SocketIoListenOptionsExtensions
{
    /// <summary>
    /// Opens new Socket.IO WebSocket connections on this endpoint without Kestrel's HTTP/1 request machinery. On a plain
    /// TCP endpoint the sockets are accepted by SocketIoNet's own listener, which peeks at each request: a new WebSocket
    /// session is answered and runs straight on the socket; every other connection is handed to Kestrel unread. Behind
    /// TLS the upgrade is read and answered on the Kestrel connection. It costs less memory per connection and less CPU
    /// per handshake. Everything else on the endpoint (polling, upgrades of polling sessions, other paths, any request it
    /// is not sure to answer as the HTTP path would) is served by Kestrel as usual.
    /// </summary>
    /// <remarks>
    /// Such connections bypass the ASP.NET Core pipeline: no middleware, authentication, authorization or endpoint
    /// conventions (<c>RequireAuthorization</c>, CORS policies, forwarded headers, host filtering) run for them, and
    /// <c>socket.User</c> is anonymous. Use
    /// it when the Socket.IO layer authenticates (handshake auth in <c>io.Use</c>), as in Node. Call it inside
    /// <c>ConfigureKestrel</c> before <c>AddFileDescriptorConnectionLimits</c>, if you use it (so the limits are split for it), and after
    /// <c>UseHttps</c> on a TLS endpoint. The server is the one registered with <c>AddSocketIo</c>; <paramref name="path"/>
    /// defaults to its <c>Path</c>.
    /// </remarks>
    public static ListenOptions UseSocketIoWebSockets(this ListenOptions listenOptions, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        DirectWebSocketEndpoints.Mark(listenOptions.KestrelServerOptions);
        DirectWebSocketEndpoints.MarkEndPoint(listenOptions.EndPoint, path);
        var services = listenOptions.ApplicationServices;
        listenOptions.Use(next =>
        {
            // Built when Kestrel binds the endpoint: a missing AddSocketIo fails the start, not every connection.
            // On a plain TCP endpoint the direct listener (DirectSocketListener) has already taken the sessions it
            // can open; this middleware opens them behind TLS, or where Kestrel's own transport serves the endpoint.
            var server = services.GetRequiredService<SocketIoServer>();
            var middleware = new DirectWebSocketMiddleware(next, server, DirectWebSocketAdmission.For(services, server, path));
            return middleware.OnConnectionAsync;
        });
        return listenOptions;
    }
}
