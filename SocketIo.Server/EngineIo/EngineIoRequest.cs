using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// A snapshot of the HTTP request that opened a session (Node: <c>socket.request</c>). It copies what the
/// upper layers need so that no <see cref="HttpContext"/> is kept alive after its request ends.
/// </summary>
public sealed class EngineIoRequest
{
    internal EngineIoRequest(
        string method,
        string url,
        IReadOnlyDictionary<string, StringValues> headers,
        IReadOnlyDictionary<string, StringValues> query,
        IPAddress? remoteAddress,
        bool isSecure,
        ClaimsPrincipal? user)
    {
        _user = user;
        Method = method;
        Url = url;
        // Compact copies: the request outlives its handshake by the whole session.
        Headers = RequestValues.From(headers, headers.Count, StringComparer.OrdinalIgnoreCase);
        Query = RequestValues.From(query, query.Count, StringComparer.Ordinal);
        RemoteAddress = remoteAddress;
        IsSecure = isSecure;
    }

    private ClaimsPrincipal? _user;
    private IDictionary<object, object?>? _items;

    /// <summary>The HTTP method.</summary>
    public string Method { get; }

    /// <summary>Path and query as received (Node: <c>req.url</c>).</summary>
    public string Url { get; }

    /// <summary>Request headers; names are case-insensitive.</summary>
    public IReadOnlyDictionary<string, StringValues> Headers { get; }

    /// <summary>Query string values.</summary>
    public IReadOnlyDictionary<string, StringValues> Query { get; }

    /// <summary>The client address.</summary>
    public IPAddress? RemoteAddress { get; }

    /// <summary>Whether the request came over TLS.</summary>
    public bool IsSecure { get; }

    /// <summary>The authenticated user of the request (ASP.NET authentication); anonymous when none ran.</summary>
    public ClaimsPrincipal User => LazyInitializer.EnsureInitialized(ref _user, static () => new ClaimsPrincipal(new ClaimsIdentity()));

    /// <summary>
    /// Data the application keeps with the request, for the session's lifetime: what <see cref="EngineIoOptions.AllowRequest"/>
    /// puts here (a session loaded from a cookie, a tenant) is there later on <c>socket.Conn.Request</c> and
    /// <c>socket.Request</c>, as Node users put it on <c>req</c>. Safe to use from several threads.
    /// </summary>
    public IDictionary<object, object?> Items =>
        _items ?? LazyInitializer.EnsureInitialized(ref _items, static () => new System.Collections.Concurrent.ConcurrentDictionary<object, object?>(concurrencyLevel: 1, capacity: 2));

    /// <summary>The first value of a query parameter, or null.</summary>
    public string? GetQuery(string name) => Query.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;

    /// <summary>The first value of a header, or null.</summary>
    public string? GetHeader(string name) => Headers.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

    internal static EngineIoRequest From(HttpContext context)
    {
        var request = context.Request;
        var query = OrdinalQuery(request.Query, request.Query.Count);
        return new EngineIoRequest(
            request.Method,
            string.Concat(request.PathBase.Value, request.Path.Value, request.QueryString.Value),
            RequestValues.From(request.Headers, request.Headers.Count, StringComparer.OrdinalIgnoreCase),
            query,
            context.Connection.RemoteIpAddress,
            request.IsHttps,
            context.User);
    }

    /// <summary>
    /// A parsed query with its keys as sent: Node's query parser is case-sensitive, ASP.NET's are not. Common keys and
    /// values ("EIO", "4", "transport", …) are the shared strings of <see cref="HandshakeStrings"/>.
    /// </summary>
    internal static IReadOnlyDictionary<string, StringValues> OrdinalQuery(IEnumerable<KeyValuePair<string, StringValues>> parsed, int count) =>
        RequestValues.From(parsed, count, StringComparer.Ordinal, static pair => new(
            HandshakeStrings.Share(pair.Key),
            pair.Value.Count == 1 ? new StringValues(HandshakeStrings.Share(pair.Value[0]!)) : pair.Value));
}
