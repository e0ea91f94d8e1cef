using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace SocketIo.Server.EngineIo;

public sealed partial class EngineIoServer
{
    // Copy-on-write, as the connection-error listeners: every response of a session reads them without a lock.
    private readonly object _listenersSync = new();
    private Action<IDictionary<string, StringValues>, EngineIoRequest>[] _initialHeadersListeners = [];
    private Action<IDictionary<string, StringValues>, EngineIoRequest>[] _headersListeners = [];

    /// <summary>
    /// Changes the headers of each handshake response: the first polling GET of a session, or the 101 of a WebSocket
    /// that opens one (Node: <c>io.engine.on("initial_headers", (headers, req) => …)</c>). It runs before the
    /// <see cref="OnHeaders"/> listeners, synchronously, as the response is about to be written; the cookie
    /// (<see cref="EngineIoOptions.Cookie"/>) is already among the headers.
    /// </summary>
    public EngineIoServer OnInitialHeaders(Action<IDictionary<string, StringValues>, EngineIoRequest> listener) =>
        AddHeadersListener(ref _initialHeadersListeners, listener);

    /// <summary>
    /// Changes the headers of every response engine.io's <c>headers</c> event sees: the handshake, each polling GET
    /// that carries packets and each POST answered <c>ok</c>, and the 101 of every WebSocket (a new session's or an
    /// upgrade's). Error responses (400, 403, 413…) and CORS preflights are not among them, as in engine.io 6.6.
    /// <paramref name="listener"/> receives the request being answered: on a handshake, the session's own
    /// (<see cref="EngineIoSocket.Request"/>).
    /// </summary>
    public EngineIoServer OnHeaders(Action<IDictionary<string, StringValues>, EngineIoRequest> listener) =>
        AddHeadersListener(ref _headersListeners, listener);

    /// <summary>Whether any headers listener is registered (the lean WebSocket path then asks for them).</summary>
    public bool HasHeadersListeners =>
        Volatile.Read(ref _initialHeadersListeners).Length + Volatile.Read(ref _headersListeners).Length > 0;

    /// <summary>
    /// The headers the listeners add to the 101 of a new WebSocket session that a transport engine of its own answers
    /// (<see cref="AdmitWebSocket(string, IReadOnlyDictionary{string, Microsoft.Extensions.Primitives.StringValues}, System.Net.IPAddress?, bool, bool)"/>): <see cref="OnInitialHeaders"/> then <see cref="OnHeaders"/>, run once for that
    /// response. Empty when none is registered. The engine must write them as given or refuse the connection; a name
    /// or value that cannot be written in an HTTP/1.1 head is the engine's to refuse (the listener's mistake).
    /// </summary>
    public IReadOnlyDictionary<string, StringValues> WebSocketHandshakeHeaders(EngineIoRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        RunHeadersListeners(headers, request, initial: true);
        return headers;
    }

    /// <summary>
    /// Runs the listeners for one HTTP response about to be written. <paramref name="sessionRequest"/> is the
    /// session's request when <paramref name="context"/> is its handshake; other requests get a snapshot of their own,
    /// made only when a listener will see it.
    /// </summary>
    internal void ApplyHeaders(HttpContext context, EngineIoRequest? sessionRequest)
    {
        if (!HasHeadersListeners)
        {
            return;
        }

        // A request without a sid is the handshake (server.ts: isInitialRequest = !req._query.sid).
        var initial = context.Request.Query["sid"].Count == 0;
        RunHeadersListeners(context.Response.Headers, initial ? sessionRequest ?? EngineIoRequest.From(context) : EngineIoRequest.From(context), initial);
    }

    private void RunHeadersListeners(IDictionary<string, StringValues> headers, EngineIoRequest request, bool initial)
    {
        if (initial)
        {
            foreach (var listener in Volatile.Read(ref _initialHeadersListeners))
            {
                RunHeadersListener(listener, headers, request);
            }
        }

        foreach (var listener in Volatile.Read(ref _headersListeners))
        {
            RunHeadersListener(listener, headers, request);
        }
    }

    private void RunHeadersListener(Action<IDictionary<string, StringValues>, EngineIoRequest> listener, IDictionary<string, StringValues> headers, EngineIoRequest request)
    {
        try
        {
            listener(headers, request);
        }
        catch (Exception ex)
        {
            // The packets of a poll are already taken when its headers are made: a listener's failure must not lose them.
            LogHandlerFailed(_logger, ex);
        }
    }

    private EngineIoServer AddHeadersListener(
        ref Action<IDictionary<string, StringValues>, EngineIoRequest>[] listeners,
        Action<IDictionary<string, StringValues>, EngineIoRequest> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_listenersSync)
        {
            Volatile.Write(ref listeners, [.. listeners, listener]);
        }

        return this;
    }
}
