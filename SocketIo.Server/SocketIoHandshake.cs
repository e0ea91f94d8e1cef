using System.Globalization;
using Newtonsoft.Json.Linq;
using SocketIo.Server.EngineIo;

namespace SocketIo.Server;

/// <summary>
/// The handshake details of a socket (Node: <c>socket.handshake</c>), with the same fields and formats so that
/// they cross a cluster unchanged.
/// </summary>
public sealed class SocketIoHandshake
{
    private readonly EngineIoRequest? _request;
    private IReadOnlyDictionary<string, string>? _headers;
    private IReadOnlyDictionary<string, string>? _query;
    private JObject? _auth; // null until asked for when the CONNECT packet carried none

    /// <summary>Creates a handshake from its parts (used for sockets of other cluster nodes too).</summary>
    public SocketIoHandshake(
        IReadOnlyDictionary<string, string> headers,
        string time,
        string? address,
        bool xdomain,
        bool secure,
        long issued,
        string? url,
        IReadOnlyDictionary<string, string> query,
        JObject auth)
    {
        _headers = headers;
        Time = time;
        Address = address;
        XDomain = xdomain;
        Secure = secure;
        Issued = issued;
        Url = url;
        _query = query;
        _auth = auth;
    }

    /// <summary>A local socket's handshake: headers and query are read from the request snapshot when first asked for.</summary>
    private SocketIoHandshake(EngineIoRequest request, JObject? auth, DateTimeOffset now)
    {
        _request = request;
        Time = FormatJsDate(now);
        Address = request.RemoteAddress?.ToString();
        XDomain = request.GetHeader("origin") is not null;
        Secure = request.IsSecure;
        Issued = now.ToUnixTimeMilliseconds();
        Url = request.Url;
        _auth = auth;
    }

    /// <summary>Request headers, names in lower case (Node: <c>headers</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers => _headers ??= HeadersOf(_request!);

    /// <summary>When the handshake happened, as JS <c>new Date() + ""</c> writes it (Node: <c>time</c>).</summary>
    public string Time { get; }

    /// <summary>Client address (Node: <c>address</c>).</summary>
    public string? Address { get; }

    /// <summary>Whether the request was cross-domain (had an Origin header) (Node: <c>xdomain</c>).</summary>
    public bool XDomain { get; }

    /// <summary>Whether the connection is TLS (Node: <c>secure</c>).</summary>
    public bool Secure { get; }

    /// <summary>Handshake time in Unix milliseconds (Node: <c>issued</c>).</summary>
    public long Issued { get; }

    /// <summary>Request URL (Node: <c>url</c>).</summary>
    public string? Url { get; }

    /// <summary>Query parameters (Node: <c>query</c>).</summary>
    public IReadOnlyDictionary<string, string> Query => _query ??= QueryOf(_request!);

    /// <summary>The auth payload of the CONNECT packet, <c>{}</c> when none (Node: <c>auth</c>).</summary>
    public JObject Auth => _auth ?? LazyInitializer.EnsureInitialized(ref _auth, static () => []);

    private static Dictionary<string, string> HeadersOf(EngineIoRequest request)
    {
        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in request.Headers)
        {
            headers[k.ToLowerInvariant()] = v.ToString();
        }

        return headers;
    }

    private static Dictionary<string, string> QueryOf(EngineIoRequest request)
    {
        var query = new Dictionary<string, string>(request.Query.Count, StringComparer.Ordinal);
        foreach (var (k, v) in request.Query)
        {
            query[k] = v.Count > 0 ? v[^1] ?? string.Empty : string.Empty;
        }

        return query;
    }

    /// <summary>The handshake as Node's JSON shape.</summary>
    public JObject ToJson()
    {
        var headers = new JObject();
        foreach (var (k, v) in Headers)
        {
            headers[k] = v;
        }

        var query = new JObject();
        foreach (var (k, v) in Query)
        {
            query[k] = v;
        }

        return new JObject
        {
            ["headers"] = headers,
            ["time"] = Time,
            ["address"] = Address,
            ["xdomain"] = XDomain,
            ["secure"] = Secure,
            ["issued"] = Issued,
            ["url"] = Url,
            ["query"] = query,
            ["auth"] = Auth,
        };
    }

    /// <summary>Reads Node's JSON shape (from another cluster node).</summary>
    public static SocketIoHandshake FromJson(JToken? json)
    {
        var obj = json as JObject ?? new JObject();
        static Dictionary<string, string> Map(JToken? t)
        {
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (t is JObject o)
            {
                foreach (var p in o.Properties())
                {
                    d[p.Name] = p.Value.Type == JTokenType.String ? (string)p.Value! : p.Value.ToString(Newtonsoft.Json.Formatting.None);
                }
            }

            return d;
        }

        return new SocketIoHandshake(
            Map(obj["headers"]),
            obj.Value<string>("time") ?? string.Empty,
            obj.Value<string>("address"),
            obj.Value<bool?>("xdomain") ?? false,
            obj.Value<bool?>("secure") ?? false,
            obj.Value<long?>("issued") ?? 0,
            obj.Value<string>("url"),
            Map(obj["query"]),
            obj["auth"] as JObject ?? new JObject());
    }

    internal static SocketIoHandshake From(EngineIoRequest request, JObject? auth, DateTimeOffset now) => new(request, auth, now);

    /// <summary>JS <c>Date.prototype.toString()</c> in UTC, e.g. <c>Thu Nov 26 2026 05:08:05 GMT+0000 (Coordinated Universal Time)</c>.</summary>
    internal static string FormatJsDate(DateTimeOffset now) =>
        now.UtcDateTime.ToString("ddd MMM dd yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " GMT+0000 (Coordinated Universal Time)";
}
