using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using SocketIo.DirectWebSockets;
using SocketIo.Server;

// Where Kestrel's own endpoint extensions live (ListenOptions.UseHttps): no extra using in Program.cs.
namespace Microsoft.AspNetCore.Hosting;

/// <summary>Kestrel endpoint options for SocketIo.DirectWebSockets.</summary>
public static class DirectWebSocketsListenOptionsExtensions
{
    /// <summary>
    /// Opens new Socket.IO WebSocket connections on this endpoint without Kestrel's HTTP/1 request machinery (register
    /// the engine with <c>AddSocketIo().AddDirectWebSockets()</c>). On a plain TCP endpoint the sockets are accepted by
    /// the package's own listener, which peeks at each request: a new WebSocket session is answered and runs straight on
    /// the socket with the package's own RFC 6455 framing; every other connection is handed to Kestrel unread. Behind
    /// TLS the upgrade is read and answered on the Kestrel connection. It costs less memory per connection and less CPU
    /// per handshake. Everything else on the endpoint (polling, upgrades of polling sessions, other paths, refusals, any
    /// request the server's rules leave to the HTTP exchange) is served by Kestrel and ASP.NET Core as usual.
    /// </summary>
    /// <remarks>
    /// Such connections bypass the ASP.NET Core pipeline: no middleware, authentication, authorization or endpoint
    /// conventions (<c>RequireAuthorization</c>, CORS policies, forwarded headers, host filtering) run for them, and
    /// <c>socket.User</c> is anonymous. Use it when the Socket.IO layer authenticates (handshake auth in <c>io.Use</c>),
    /// as in Node. Call it inside a <c>ConfigureKestrel</c> that comes before <c>AddFileDescriptorConnectionLimits</c>, if
    /// you use it (so the limits are split for it), and after <c>UseHttps</c> on a TLS endpoint. The server is the one registered
    /// with <c>AddSocketIo</c>; <paramref name="path"/> defaults to its <c>Path</c>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">At start-up, when <c>AddDirectWebSockets</c> was not called.</exception>
    public static ListenOptions UseDirectWebSockets(this ListenOptions listenOptions, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        DirectWebSocketEndpoints.Mark(listenOptions.KestrelServerOptions);
        DirectWebSocketEndpoints.MarkEndPoint(listenOptions.EndPoint, path);
        var services = listenOptions.ApplicationServices;
        listenOptions.Use(next =>
        {
            // Built when Kestrel binds the endpoint: a missing registration fails the start, not every connection.
            // Without the listener factory a plain endpoint would still work, through this middleware alone, at a cost
            // the application did not choose.
            if (services.GetService<DirectSocketListenerFactory>() is null)
            {
                throw new InvalidOperationException(
                    "UseDirectWebSockets() needs the engine registered: call builder.Services.AddSocketIo(...).AddDirectWebSockets().");
            }

            // On a plain TCP endpoint the direct listener (DirectSocketListener) has already taken the sessions it
            // can open; this middleware opens them behind TLS, or where Kestrel's own transport serves the endpoint.
            var server = services.GetRequiredService<SocketIoServer>();
            var middleware = new DirectWebSocketMiddleware(next, server, DirectWebSocketAdmission.For(services, server, path));
            return middleware.OnConnectionAsync;
        });
        return listenOptions;
    }
}
