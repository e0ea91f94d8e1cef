using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using SocketIo.Server.EngineIo;

namespace SocketIo.Server.Hosting;

/// <summary>
/// A Kestrel connection middleware that opens new Engine.IO WebSocket sessions itself: it reads the upgrade request
/// off the connection, answers 101 and runs the WebSocket on the connection's pipes. Kestrel's HTTP/1 machinery
/// (request and response objects, header dictionaries, HttpContext and its features, the upgrade streams) is never
/// built for such a connection; that is most of its cost per idle WebSocket and per handshake. Every other request,
/// and every upgrade it is not sure to answer exactly as the HTTP path would, goes on to Kestrel untouched.
/// </summary>
internal sealed class DirectWebSocketMiddleware(ConnectionDelegate next, SocketIoServer server, string? path, WebSocketOptions? webSocketOptions)
{
    // A client that opens a connection and sends nothing is left to Kestrel's own header timeout after this.
    private static readonly TimeSpan FirstReadTimeout = TimeSpan.FromSeconds(10);
    private readonly string _prefix = EngineIoEndpointRouteBuilderExtensions.NormalizePath(path ?? server.Options.Path);

    // ASP.NET's WebSocket middleware enforces an origin allow-list; with one configured, upgrades go its way.
    private readonly bool _originsRestricted = webSocketOptions?.AllowedOrigins.Count > 0;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        bool served;
        try
        {
            served = await TryServeDirectlyAsync(connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return; // the client went away before or during the session: nothing to answer, nothing to log
        }

        if (!served)
        {
            await next(connection).ConfigureAwait(false);
        }
    }

    /// <summary>Serves the connection's WebSocket session and returns true, or returns false with nothing taken.</summary>
    private async Task<bool> TryServeDirectlyAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        ReadResult first;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, closing))
        {
            timeout.CancelAfter(FirstReadTimeout);
            try
            {
                first = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested)
            {
                return false; // silent, or the server is stopping: Kestrel's HTTP stack decides
            }
        }

        var engine = server.Engine;
        var request = first.IsCanceled ? null : WebSocketHandshakeRequest.TryParse(first.Buffer);
        if (request is null || Qualifies(request, engine.Options) is not { } query)
        {
            input.AdvanceTo(first.Buffer.Start); // nothing taken: Kestrel reads the same bytes
            return false;
        }

        input.AdvanceTo(first.Buffer.GetPosition(request.Length));
        await connection.Transport.Output.WriteAsync(request.SwitchingProtocolsResponse(), connection.ConnectionClosed).ConfigureAwait(false);
        var socket = WebSocket.CreateFromStream(
            new DuplexPipeStream(connection.Transport),
            new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero }); // Engine.IO has its own heartbeat
        try
        {
            await engine.ServeWebSocketAsync(ToEngineRequest(request, query, connection), socket, connection.ConnectionClosed).ConfigureAwait(false);
        }
        finally
        {
            socket.Dispose();
        }

        return true;
    }

    /// <summary>
    /// A new WebSocket session the HTTP path would accept with no per-request decision left: EIO=4, the websocket
    /// transport enabled, no sid (an upgrade of a polling session stays on the HTTP path), and none of the options that
    /// act on the HTTP exchange (allowRequest, cookie, CORS headers, permessage-deflate negotiation).
    /// </summary>
    /// <returns>The parsed query when it qualifies, else null.</returns>
    private Dictionary<string, StringValues>? Qualifies(WebSocketHandshakeRequest request, EngineIoOptions options)
    {
        // Exactly the engine path, as clients send it: anything else under it (client files, encoded or dot
        // segments that Kestrel would decode or normalise) is routed by ASP.NET.
        if (!string.Equals(request.Path, _prefix, StringComparison.Ordinal)
            || _originsRestricted
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

    private static EngineIoRequest ToEngineRequest(WebSocketHandshakeRequest request, Dictionary<string, StringValues> parsed, ConnectionContext connection)
    {
        return new EngineIoRequest(
            "GET",
            request.Target,
            request.Headers,
            EngineIoRequest.OrdinalQuery(parsed, parsed.Count),
            (connection.RemoteEndPoint as IPEndPoint)?.Address,
            connection.Features.Get<ITlsHandshakeFeature>() is not null,
            user: null); // anonymous, made if asked for
    }
}
