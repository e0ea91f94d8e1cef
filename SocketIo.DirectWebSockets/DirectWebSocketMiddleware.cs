using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using SocketIo.Server;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// A Kestrel connection middleware that opens new Engine.IO WebSocket sessions itself: it reads the upgrade request
/// off the connection, answers 101 and runs the WebSocket on the connection's pipes. Kestrel's HTTP/1 machinery
/// (request and response objects, header dictionaries, HttpContext and its features, the upgrade streams) is never
/// built for such a connection; that is most of its cost per idle WebSocket and per handshake. Every other request,
/// and every upgrade it is not sure to answer exactly as the HTTP path would, goes on to Kestrel untouched.
/// On a plain TCP endpoint <see cref="DirectSocketListener"/> has already opened such sessions before Kestrel made a
/// connection; this middleware serves them behind TLS, or where Kestrel's own transport binds the endpoint.
/// </summary>
internal sealed class DirectWebSocketMiddleware(ConnectionDelegate next, SocketIoServer server, DirectWebSocketAdmission admission)
{

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
        using (var timer = new CancellationTokenSource(admission.HeadersTimeout, server.Options.TimeProvider))
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, closing, timer.Token))
        {
            try
            {
                first = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !closing.IsCancellationRequested && !connection.ConnectionClosed.IsCancellationRequested)
            {
                // Silent: answered as Node's HTTP server answers it; the connection ends when this returns.
                await connection.Transport.Output.WriteAsync(DirectWebSocketAdmission.RequestTimeoutResponse, connection.ConnectionClosed).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested)
            {
                return false; // the server is stopping: Kestrel's HTTP stack decides
            }
        }

        var engine = server.Engine;
        var request = first.IsCanceled ? null : WebSocketHandshakeRequest.TryParse(first.Buffer);
        if (request is null
            || admission.Admit(request, engine, (connection.RemoteEndPoint as IPEndPoint)?.Address, connection.Features.Get<ITlsHandshakeFeature>() is not null) is not { } engineRequest)
        {
            input.AdvanceTo(first.Buffer.Start); // nothing taken: Kestrel reads the same bytes
            return false;
        }

        input.AdvanceTo(first.Buffer.GetPosition(request.Length));
        if (!DirectWebSocketAdmission.TryNegotiateDeflate(request, engine, out var deflate))
        {
            await connection.Transport.Output.WriteAsync(DirectWebSocketAdmission.InvalidExtensionsResponse, connection.ConnectionClosed).ConfigureAwait(false);
            return true; // the connection ends when this returns, as ws ends it after its 400
        }

        var response = request.SwitchingProtocolsResponse(engine.HasHeadersListeners ? engine.WebSocketHandshakeHeaders(engineRequest) : null, deflate?.ResponseHeader);
        await connection.Transport.Output.WriteAsync(response, connection.ConnectionClosed).ConfigureAwait(false);
        var socket = WebSocket.CreateFromStream(
            new DuplexPipeStream(connection.Transport),
            new WebSocketCreationOptions
            {
                IsServer = true,
                KeepAliveInterval = TimeSpan.Zero, // Engine.IO has its own heartbeat
                // ManagedWebSocket's own permessage-deflate, on the agreement made above. The client's window is
                // inflated with 2^15 bytes whatever it announced: a larger window reads any smaller one.
                DangerousDeflateOptions = deflate is null ? null : new WebSocketDeflateOptions
                {
                    ClientMaxWindowBits = 15,
                    ClientContextTakeover = !deflate.ClientNoContextTakeover,
                    ServerMaxWindowBits = 15,
                    ServerContextTakeover = !deflate.ServerNoContextTakeover,
                },
            });
        try
        {
            await engine.ServeWebSocketAsync(engineRequest, socket, connection.ConnectionClosed).ConfigureAwait(false);
        }
        finally
        {
            socket.Dispose();
        }

        return true;
    }
}
