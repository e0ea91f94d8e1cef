using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using SocketIo.Server.Diagnostics;
using SocketIo.Server.EngineIo.Transports;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// The Engine.IO v4 server core (Node: engine.io <c>Server</c>): verifies requests, performs handshakes, routes
/// polling requests and WebSocket upgrades to sessions. Host-neutral: it serves whatever <see cref="HttpContext"/>
/// the endpoint hands it, and the WebSockets a transport engine of its own opened by the same rules
/// (<see cref="AdmitWebSocket(string, IReadOnlyDictionary{string, StringValues}, IPAddress?, bool, bool)"/>, <see cref="ServeWebSocketAsync"/>; Node: <c>wsEngine</c>).
/// </summary>
public sealed partial class EngineIoServer
{
    private readonly ConcurrentDictionary<string, EngineIoSocket> _clients = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly LogThrottle _upgradeRefusals;
    private readonly LogThrottle _outboundLimitCloses;
    private int _clientsCount;
    private int _closed;

    /// <summary>Creates a server with the given options and handler.</summary>
    public EngineIoServer(EngineIoOptions options, EngineIoHandler handler, ILogger<EngineIoServer>? logger = null, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        options.Validate();
        Options = options;
        Handler = handler;
        _logger = logger ?? NullLogger<EngineIoServer>.Instance;
        Metrics = new EngineIoMetrics(meterFactory);
        _upgradeRefusals = new LogThrottle(options.TimeProvider, TimeSpan.FromSeconds(10));
        _outboundLimitCloses = new LogThrottle(options.TimeProvider, TimeSpan.FromSeconds(10));
        OpenPacket = new EngineOpenPacket(options, UpgradesFor);
    }

    internal EngineIoMetrics Metrics { get; }

    /// <summary>The options in force.</summary>
    public EngineIoOptions Options { get; }

    /// <summary>The handler that receives session events.</summary>
    public EngineIoHandler Handler { get; }

    /// <summary>
    /// The host's I/O event loop, when it runs connections on its own threads (set by the lean engine when it binds,
    /// before the first request); null: long-polling responses are written from the thread pool.
    /// </summary>
    public IEngineIoEventLoop? EventLoop { get; set; }

    /// <summary>The number of open sessions (Node: <c>clientsCount</c>).</summary>
    public int ClientsCount => Volatile.Read(ref _clientsCount);

    /// <summary>Looks up an open session by sid.</summary>
    public bool TryGetClient(string sid, out EngineIoSocket? socket) => _clients.TryGetValue(sid, out socket);

    /// <summary>The open sessions.</summary>
    public ICollection<EngineIoSocket> Clients => _clients.Values;

    /// <summary>
    /// Whether new sessions are refused (<see cref="StopAccepting"/>, <see cref="CloseAll"/>); for good: a closed
    /// server is not reopened.
    /// </summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// Refuses new sessions from now on: handshakes are answered 503 (where Node, whose server closes its HTTP server
    /// too, leaves new clients nobody to connect to). Open sessions go on.
    /// </summary>
    public void StopAccepting() => Interlocked.Exchange(ref _closed, 1);

    /// <summary>Closes every session and refuses new ones for good (Node: <c>engine.close()</c> and its HTTP server's close).</summary>
    public void CloseAll()
    {
        // The flag goes up (a full fence) before the sessions are listed, and Accept's count increment fences the new
        // entry before it reads the flag: a handshake is either listed here or closes its own session.
        StopAccepting();
        foreach (var client in _clients.Values)
        {
            client.Close(discard: true);
        }
    }

    internal EngineOpenPacket OpenPacket { get; }

    internal IReadOnlyList<string> UpgradesFor(string transport) =>
        Options.AllowUpgrades && transport == EngineIoOptions.Polling && Options.Transports.Contains(EngineIoOptions.WebSocket)
            ? [EngineIoOptions.WebSocket]
            : [];

    /// <summary>A session was closed because a write would have passed its outbound limit: counted, and logged (throttled).</summary>
    internal void OnOutboundLimitClosed(EngineIoSocket socket, long heldBytes, long writeBytes)
    {
        Metrics.OutboundLimitReached(closed: true);
        if (_outboundLimitCloses.ShouldLog(out var alsoClosed))
        {
            LogOutboundLimitClosed(_logger, socket.Id, heldBytes, writeBytes, Options.MaxBufferedOutboundBytes ?? 0, alsoClosed);
        }
    }

    /// <summary>A session has closed: it leaves the list, and the handler is told (a handler that throws is logged).</summary>
    internal void OnSocketClosed(EngineIoSocket socket, string reason, string? description)
    {
        if (_clients.TryRemove(new KeyValuePair<string, EngineIoSocket>(socket.Id, socket)))
        {
            Interlocked.Decrement(ref _clientsCount);
            Metrics.ConnectionClosed(socket.TransportName);
        }

        LogSessionClosed(_logger, socket.Id);
        try
        {
            Handler.OnClose(socket, reason, description);
        }
        catch (Exception ex)
        {
            // Closes are reported from timers and request handlers alike: a handler's failure must reach neither.
            LogHandlerFailed(_logger, ex);
        }
    }

    /// <summary>A session event listener threw: logged, as a handler's failure.</summary>
    internal void OnListenerFailed(Exception exception) => LogHandlerFailed(_logger, exception);

    /// <summary>Serves one Engine.IO HTTP request or WebSocket upgrade (Node: <c>handleRequest</c> / <c>handleUpgrade</c>).</summary>
    public async Task HandleRequestAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await HandleCoreAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away; there is nobody left to answer.
        }
    }

    private async Task HandleCoreAsync(HttpContext context)
    {
        if (Options.Cors is { } cors)
        {
            bool preflightAnswered;
            try
            {
                preflightAnswered = await EngineIoCors.ApplyAsync(cors, context).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // engine.io answers a middleware's error (here the cors package's origin callback) this way.
                LogCorsOriginFailed(_logger, ex);
                await RejectAsync(context, context.WebSockets.IsWebSocketRequest, EngineIoErrorCode.BadRequest, null, new() { ["name"] = "MIDDLEWARE_FAILURE" }).ConfigureAwait(false);
                return;
            }

            if (preflightAnswered)
            {
                return;
            }
        }

        var isUpgrade = context.WebSockets.IsWebSocketRequest;
        var query = context.Request.Query;
        var transport = query["transport"].ToString();
        var sid = query["sid"].ToString();
        if (sid.Length == 0 && IsClosed)
        {
            RefuseClosed(context); // before AllowRequest and the other checks: none of them matter any more
            return;
        }

        // engine.io applies its middlewares to every request before verifying it (server.ts handleRequest).
        if (HasMiddlewares && !await RunMiddlewaresAsync(context, isUpgrade).ConfigureAwait(false))
        {
            return;
        }

        // A handshake's request is made once: AllowRequest, GenerateId and the headers listeners get the instance the
        // session keeps, so what AllowRequest puts in its Items is there for the rest of the session (Node: req).
        var handshakeRequest = sid.Length == 0 ? EngineIoRequest.From(context) : null;
        var verdict = await VerifyAsync(context, handshakeRequest, isUpgrade, transport, sid).ConfigureAwait(false);
        if (verdict is { } failure)
        {
            await RejectAsync(context, isUpgrade, failure.Code, failure.Message, failure.Context).ConfigureAwait(false);
            return;
        }

        if (sid.Length == 0 && IsClosed)
        {
            RefuseClosed(context); // closed while AllowRequest was deciding
            return;
        }

        if (sid.Length > 0)
        {
            if (!_clients.TryGetValue(sid, out var client))
            {
                // Closed since VerifyAsync found it (a timer, another request of the session).
                await RejectAsync(context, isUpgrade, EngineIoErrorCode.UnknownSid, null, new() { ["sid"] = sid }).ConfigureAwait(false);
                return;
            }

            if (isUpgrade)
            {
                await UpgradeAsync(context, client).ConfigureAwait(false);
            }
            else if (client.CurrentTransport is PollingTransport polling)
            {
                await polling.HandleRequestAsync(context).ConfigureAwait(false);
            }
            else
            {
                // A plain HTTP request naming the websocket transport of a WebSocket session.
                await RejectAsync(context, false, EngineIoErrorCode.BadRequest, null, new() { ["name"] = "TRANSPORT_MISMATCH" }).ConfigureAwait(false);
            }

            return;
        }

        await HandshakeAsync(context, handshakeRequest!, isUpgrade, transport).ConfigureAwait(false);
    }

    private async ValueTask<Failure?> VerifyAsync(HttpContext context, EngineIoRequest? handshakeRequest, bool isUpgrade, string transport, string sid)
    {
        var request = context.Request;
        if (VerifyBeforeAllowRequest(request.Method, isUpgrade, transport, sid, request.Headers.Origin, request.Query["EIO"]) is { } failure)
        {
            return failure;
        }

        if (sid.Length > 0 || handshakeRequest is null)
        {
            return null;
        }

        if (Options.AllowRequest is { } allow)
        {
            string? refusal;
            try
            {
                refusal = await allow(handshakeRequest, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogAllowRequestFailed(_logger, ex);
                refusal = EngineIoErrors.MessageOf(EngineIoErrorCode.Forbidden);
            }

            if (refusal is not null)
            {
                return new Failure(EngineIoErrorCode.Forbidden, refusal, new() { ["message"] = refusal });
            }
        }

        return VerifyProtocol(request.Query["EIO"]);
    }

    /// <summary>
    /// The checks of a request made before the application's <see cref="EngineIoOptions.AllowRequest"/> (Node: server.ts
    /// <c>verify</c>), by the HTTP path and <see cref="AdmitWebSocket(string, IReadOnlyDictionary{string, StringValues}, IPAddress?, bool, bool)"/> alike; for a request with a sid, all of them.
    /// </summary>
    private Failure? VerifyBeforeAllowRequest(string method, bool isUpgrade, string transport, string sid, StringValues origin, StringValues eio)
    {
        if (!Options.Transports.Contains(transport))
        {
            return new Failure(EngineIoErrorCode.UnknownTransport, null, new() { ["transport"] = transport });
        }

        if (origin.Count > 0 && HasInvalidHeaderChar(origin.ToString()))
        {
            return new Failure(EngineIoErrorCode.BadRequest, null, new() { ["name"] = "INVALID_ORIGIN", ["origin"] = origin.ToString() });
        }

        if (sid.Length > 0)
        {
            // A session whose heartbeat deadline has passed is closed first, even if its timer callback is still
            // queued: in Node the timer would have run before this request was read (EngineIoSocket.CloseIfHeartbeatExpired).
            if (!_clients.TryGetValue(sid, out var client) || client.CloseIfHeartbeatExpired())
            {
                return new Failure(EngineIoErrorCode.UnknownSid, null, new() { ["sid"] = sid });
            }

            var previous = client.TransportName;
            if (!isUpgrade && previous != transport)
            {
                return new Failure(EngineIoErrorCode.BadRequest, null, new() { ["name"] = "TRANSPORT_MISMATCH", ["transport"] = transport, ["previousTransport"] = previous });
            }

            if (ProtocolOf(eio) is var protocol && protocol != client.Protocol)
            {
                return new Failure(EngineIoErrorCode.BadRequest, null, new() { ["name"] = "PROTOCOL_MISMATCH", ["protocol"] = protocol, ["previousProtocol"] = client.Protocol });
            }

            return null;
        }

        if (!HttpMethods.IsGet(method))
        {
            return new Failure(EngineIoErrorCode.BadHandshakeMethod, null, new() { ["method"] = method });
        }

        if (transport == EngineIoOptions.WebSocket && !isUpgrade)
        {
            return new Failure(EngineIoErrorCode.BadRequest, null, new() { ["name"] = "TRANSPORT_HANDSHAKE_ERROR" });
        }

        return null;
    }

    /// <summary>The check of a new session made after <see cref="EngineIoOptions.AllowRequest"/>, on both paths.</summary>
    private Failure? VerifyProtocol(StringValues eio) =>
        ProtocolOf(eio) == 3 && !Options.AllowEIO3 ? new Failure(EngineIoErrorCode.UnsupportedProtocolVersion, null, new() { ["protocol"] = 3 }) : null;

    /// <summary>Only the exact string "4" is v4; anything else, no EIO included, is v3 (server.ts computeProtocolRevision).</summary>
    private static int ProtocolOf(StringValues eio) => eio == "4" ? 4 : 3;

    /// <summary>
    /// A v3 client asked for base64 instead of binary when the <c>b64</c> query value is there and not empty (a truthy
    /// <c>req._query.b64</c> in engine.io transport.ts).
    /// </summary>
    private static bool SupportsBinary(HttpContext context) => context.Request.Query["b64"].ToString().Length == 0;

    private async Task RejectAsync(HttpContext context, bool isUpgrade, EngineIoErrorCode code, string? message, Dictionary<string, object?> errorContext)
    {
        var text = message ?? EngineIoErrors.MessageOf(code);
        LogRequestRefused(_logger, (int)code, text);
        NotifyConnectionError(context, code, EngineIoErrors.MessageOf(code), errorContext);
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        if (isUpgrade)
        {
            // Failed upgrades get a plain-text 400 and the connection is dropped (server.ts abortUpgrade).
            response.StatusCode = StatusCodes.Status400BadRequest;
            response.Headers.Connection = "close";
            response.ContentType = "text/html";
            var bytes = Encoding.UTF8.GetBytes(text);
            response.ContentLength = bytes.Length;
            await response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.StatusCode = EngineIoErrors.StatusOf(code);
        response.ContentType = "application/json";
        var body = Encoding.UTF8.GetBytes($"{{\"code\":{(int)code},\"message\":{System.Text.Json.JsonSerializer.Serialize(text)}}}");
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// A handshake once the server has stopped accepting (<see cref="StopAccepting"/>): 503 and the connection closed,
    /// which clients treat as a server that is down (they retry with their reconnection backoff) and load balancers as
    /// one to route around.
    /// </summary>
    private static void RefuseClosed(HttpContext context)
    {
        var response = context.Response;
        if (!response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.Connection = "close";
            response.ContentLength = 0;
        }
    }

    private void NotifyConnectionError(HttpContext context, EngineIoErrorCode code, string message, Dictionary<string, object?> errorContext)
    {
        var error = new EngineIoConnectionError(EngineIoRequest.From(context), code, message, errorContext);
        try
        {
            Handler.OnConnectionError(error);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_logger, ex);
        }

        RaiseConnectionError(error);
    }

    private async Task HandshakeAsync(HttpContext context, EngineIoRequest request, bool isUpgrade, string transportName)
    {
        string id;
        if (Options.GenerateId is not { } generate)
        {
            id = Base64Id.Generate();
        }
        else
        {
            try
            {
                id = await generate(request).ConfigureAwait(false);
                ArgumentException.ThrowIfNullOrEmpty(id, nameof(EngineIoOptions.GenerateId));
            }
            catch (Exception ex)
            {
                LogGenerateIdFailed(_logger, ex);
                await RejectAsync(context, isUpgrade, EngineIoErrorCode.BadRequest, null, new() { ["name"] = "ID_GENERATION_ERROR", ["error"] = ex }).ConfigureAwait(false);
                return;
            }
        }

        if (Options.Cookie is { } cookie)
        {
            context.Response.Headers.Append("Set-Cookie", cookie.Serialize(id));
        }

        if (isUpgrade)
        {
            ApplyHeaders(context, request); // the 101 (ws's "headers" event)
            if (await AcceptWebSocketAsync(context).ConfigureAwait(false) is not { } ws)
            {
                return;
            }

            var transport = new WebSocketTransport(ws, Options) { Protocol = ProtocolOf(context.Request.Query["EIO"]), SupportsBinary = SupportsBinary(context) };
            // The handler must own the session before the first client packet can be read.
            Accept(id, transport, request);
            await transport.RunAsync(context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            var transport = new PollingTransport(Options, EventLoop)
            {
                OnResponseHeaders = c => ApplyHeaders(c, request),
                Protocol = ProtocolOf(context.Request.Query["EIO"]),
                SupportsBinary = SupportsBinary(context),
                // transports/index.ts: a string `j` makes the session JSONP polling.
                JsonpHead = JsonpPolling.HeadFor(context.Request.Query.TryGetValue("j", out var j) ? j.ToString() : null),
            };
            Accept(id, transport, request);
            // The handshake GET is the session's first poll: it carries the open packet (server.ts handshake).
            await transport.HandleRequestAsync(context).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Decides a WebSocket upgrade that a transport engine of its own read off the connection, outside ASP.NET Core
    /// (Node: what engine.io's <c>handleUpgrade</c> does before it hands the request to its <c>wsEngine</c>). The
    /// request is admitted only when <see cref="HandleRequestAsync"/> would open a new WebSocket session for it with
    /// nothing left to decide per request, by the very same checks; answer the upgrade (101) and pass the result to
    /// <see cref="ServeWebSocketAsync"/>. Null means: leave the request to the HTTP path, unread, which answers it
    /// (a refusal, an upgrade of a polling session, or a request the application or the HTTP exchange decides:
    /// <see cref="EngineIoOptions.AllowRequest"/>, <see cref="EngineIoOptions.Cookie"/>, <see cref="EngineIoOptions.Cors"/>,
    /// a permessage-deflate offer when <see cref="EngineIoOptions.PerMessageDeflate"/> is on: use the overload that
    /// says whether the engine negotiates it itself).
    /// </summary>
    /// <param name="url">Path and query as received.</param>
    /// <param name="headers">
    /// The request headers; a dictionary that compares names with <see cref="StringComparer.OrdinalIgnoreCase"/> is kept
    /// as the session's, anything else is copied into one.
    /// </param>
    /// <param name="remoteAddress">The client address.</param>
    /// <param name="isSecure">Whether the connection is TLS.</param>
    /// <returns>The session's request (<see cref="EngineIoRequest.User"/> anonymous), or null.</returns>
    public EngineIoRequest? AdmitWebSocket(string url, IReadOnlyDictionary<string, StringValues> headers, IPAddress? remoteAddress, bool isSecure) =>
        AdmitWebSocket(url, headers, remoteAddress, isSecure, negotiatesPerMessageDeflate: false);

    /// <summary>
    /// <see cref="AdmitWebSocket(string, IReadOnlyDictionary{string, StringValues}, IPAddress?, bool)"/> for an engine
    /// that may negotiate permessage-deflate itself (Node: ws's <c>perMessageDeflate</c>, which engine.io passes on):
    /// with <paramref name="negotiatesPerMessageDeflate"/>, a request that offers the extension while
    /// <see cref="EngineIoOptions.PerMessageDeflate"/> is on is admitted, and the engine answers the offer in its 101,
    /// compresses as <see cref="EngineIoOptions.PerMessageDeflateThreshold"/> and <c>compress</c> say (the transport
    /// sends small and <c>compress(false)</c> frames with <see cref="System.Net.WebSockets.WebSocketMessageFlags.DisableCompression"/>),
    /// and inflates what the client compresses.
    /// </summary>
    /// <param name="url">Path and query as received.</param>
    /// <param name="headers">The request headers (see the other overload).</param>
    /// <param name="remoteAddress">The client address.</param>
    /// <param name="isSecure">Whether the connection is TLS.</param>
    /// <param name="negotiatesPerMessageDeflate">Whether the engine answers a permessage-deflate offer itself.</param>
    /// <returns>The session's request (<see cref="EngineIoRequest.User"/> anonymous), or null.</returns>
    public EngineIoRequest? AdmitWebSocket(string url, IReadOnlyDictionary<string, StringValues> headers, IPAddress? remoteAddress, bool isSecure, bool negotiatesPerMessageDeflate)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(headers);
        // Header names are case-insensitive: the checks below and the upper layers (socket.Handshake.Headers) rely on it.
        if (headers is not Dictionary<string, StringValues> { Comparer: var comparer } || comparer != StringComparer.OrdinalIgnoreCase)
        {
            headers = new Dictionary<string, StringValues>(headers, StringComparer.OrdinalIgnoreCase);
        }

        var queryStart = url.IndexOf('?', StringComparison.Ordinal);
        // Parsed as ASP.NET parses Request.Query (case-insensitive keys, repeated keys joined), so that the checks see
        // the values the HTTP path would see.
        var query = QueryHelpers.ParseQuery(queryStart < 0 ? null : url[queryStart..]);
        var transport = query.TryGetValue("transport", out var t) ? t.ToString() : string.Empty;
        var sid = query.TryGetValue("sid", out var s) ? s.ToString() : string.Empty;
        headers.TryGetValue("Origin", out var origin);
        query.TryGetValue("EIO", out var eio);
        if (IsClosed // the HTTP path answers 503
            || sid.Length > 0 // an upgrade of a polling session: the HTTP path moves it
            || transport != EngineIoOptions.WebSocket
            || VerifyBeforeAllowRequest(HttpMethods.Get, isUpgrade: true, transport, sid, origin, eio) is not null
            || Options.AllowRequest is not null // the application's decision, made once, on the HTTP path with its user
            || Options.GenerateId is not null // the application's too, and its failure is answered with a 400
            || HasMiddlewares // they need the request's HttpContext
            || eio != "4" // v3 sessions (AllowEIO3) are served on the HTTP path only
            || ActsOnTheHttpExchange(headers, origin, negotiatesPerMessageDeflate))
        {
            return null;
        }

        return new EngineIoRequest(HttpMethods.Get, url, headers, EngineIoRequest.OrdinalQuery(query, query.Count), remoteAddress, isSecure, user: null);
    }

    /// <summary>
    /// Whether serving a new WebSocket session takes more than a 101 on the HTTP exchange: CORS headers
    /// (<see cref="HandleCoreAsync"/>), a cookie (<see cref="HandshakeAsync"/>), a permessage-deflate answer
    /// (<see cref="AcceptWebSocketAsync"/>, unless the engine negotiates it). An option that adds to the handshake's
    /// response belongs here.
    /// </summary>
    private bool ActsOnTheHttpExchange(IReadOnlyDictionary<string, StringValues> headers, StringValues origin, bool negotiatesPerMessageDeflate) =>
        Options.Cors is not null
        || Options.Cookie is not null
        || (Options.PerMessageDeflate && !negotiatesPerMessageDeflate && headers.ContainsKey("Sec-WebSocket-Extensions"))
        || origin.Count > 1; // ASP.NET and CORS middleware judge repeated Origin headers their own way

    /// <summary>
    /// Runs a new WebSocket session admitted by <see cref="AdmitWebSocket(string, IReadOnlyDictionary{string, StringValues}, IPAddress?, bool, bool)"/>
    /// on a WebSocket opened outside ASP.NET Core (the upgrade answered, with permessage-deflate if the engine
    /// negotiated it, no subprotocol, no keep-alive pings: Engine.IO has its own heartbeat);
    /// completes when the connection ends. <paramref name="connectionClosed"/> aborts the session. Node: the
    /// <c>wsEngine</c>'s connection handed to engine.io's websocket transport (<c>onWebSocket</c>).
    /// </summary>
    public Task ServeWebSocketAsync(EngineIoRequest request, System.Net.WebSockets.WebSocket webSocket, CancellationToken connectionClosed)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(webSocket);
        // Not async: one state machine less held by every idle connection.
        var transport = new WebSocketTransport(webSocket, Options);
        Accept(Base64Id.Generate(), transport, request);
        return transport.RunAsync(connectionClosed);
    }

    /// <summary>Opens a session (the open packet is queued) and hands it to the handler.</summary>
    internal EngineIoSocket Accept(string id, EngineTransport transport, EngineIoRequest request)
    {
        var socket = new EngineIoSocket(id, this, transport, request);
        _clients[id] = socket;
        Interlocked.Increment(ref _clientsCount);
        try
        {
            Metrics.ConnectionOpened(transport.Name);
            socket.Open();
            Connect(socket);
        }
        finally
        {
            // A close that came first (CloseAll listed the session, the transport failed) reaches the handler now,
            // after the connection, never before it; also when opening threw, so that a closed session leaves the list.
            socket.Announce();
        }

        if (IsClosed)
        {
            socket.Close(discard: true); // handshaken while the server stopped accepting
        }

        return socket;
    }

    private void Connect(EngineIoSocket socket)
    {
        LogSessionOpened(_logger, socket.Id, socket.TransportName);
        try
        {
            Handler.OnConnection(socket);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_logger, ex);
            socket.Close();
        }

        foreach (var listener in Volatile.Read(ref _connectionListeners))
        {
            try
            {
                listener(socket);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(_logger, ex);
            }
        }
    }

    private Action<EngineIoSocket>[] _connectionListeners = [];

    /// <summary>
    /// Listens to new sessions, after the handler has been told of them (Node: <c>io.engine.on("connection", socket => …)</c>,
    /// whose listeners run after Socket.IO's own); synchronous, so that a listener sees the session before any of its
    /// requests is read, and can listen to its events (<see cref="EngineIoSocket.OnUpgrade"/>…) from the start.
    /// </summary>
    public EngineIoServer OnConnection(Action<EngineIoSocket> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_listenersSync)
        {
            Volatile.Write(ref _connectionListeners, [.. _connectionListeners, listener]);
        }

        return this;
    }

    private async Task UpgradeAsync(HttpContext context, EngineIoSocket client)
    {
        ApplyHeaders(context, sessionRequest: null); // the 101, as ws's "headers" event: also for a WebSocket closed at once below
        if (await AcceptWebSocketAsync(context).ConfigureAwait(false) is not { } ws)
        {
            return; // refused: the session was not touched and goes on polling
        }

        // The protocol is the session's (VerifyBeforeAllowRequest checked the request names it); b64 is per request.
        var transport = new WebSocketTransport(ws, Options) { Protocol = client.Protocol, SupportsBinary = SupportsBinary(context) };
        if (client.CurrentTransport is not PollingTransport || !client.TryBeginUpgrade(transport))
        {
            // A second WebSocket for a session that is upgrading or upgraded: accepted, then closed (server.ts onWebSocket).
            transport.Close();
        }

        await transport.RunAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Accepts the WebSocket, or answers 503 and returns null when the server refuses the upgrade.</summary>
    private async Task<System.Net.WebSockets.WebSocket?> AcceptWebSocketAsync(HttpContext context)
    {
        try
        {
            return await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                DangerousEnableCompression = Options.PerMessageDeflate,
                KeepAliveInterval = TimeSpan.Zero, // Engine.IO has its own heartbeat.
            }).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex) when (!context.Response.HasStarted)
        {
            // Kestrel refuses upgrades past Limits.MaxConcurrentUpgradedConnections (the application's, or set from
            // the file-descriptor budget by SocketIo.DirectWebSockets' AddFileDescriptorConnectionLimits). That is load, not a fault: answer as an overloaded server, with no body, and
            // close the connection so its descriptor is freed at once. The client may retry or keep polling.
            if (_upgradeRefusals.ShouldLog(out var alsoRefused))
            {
                LogUpgradeRefused(_logger, ex.Message, alsoRefused);
            }

            var response = context.Response;
            response.Clear(); // the handshake headers already set (Upgrade, Sec-WebSocket-Accept, Set-Cookie)
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.Connection = "close";
            response.ContentLength = 0;
            return null;
        }
    }

    /// <summary>The reference's check for invalid header characters (Node _http_common checkInvalidHeaderChar).</summary>
    internal static bool HasInvalidHeaderChar(string value)
    {
        foreach (var c in value)
        {
            if (c > 255 || (c < 32 && c != '\t') || c == 127)
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct Failure(EngineIoErrorCode Code, string? Message, Dictionary<string, object?> Context);
}
