using Newtonsoft.Json.Linq;
using SocketIo.Server.EngineIo;

namespace SocketIo.Server;

/// <summary>
/// The handshake details of a socket (Node: <c>socket.handshake</c>), with the same fields and formats so that
/// they cross a cluster unchanged. Node's JS date text and millisecond number are read here as
/// <see cref="DateTimeOffset"/>s; the wire keeps Node's formats.
/// </summary>
public sealed class SocketIoHandshake
{
    private readonly EngineIoRequest? _request;
    private IReadOnlyDictionary<string, string>? _headers;
    private IReadOnlyDictionary<string, string>? _query;
    private JObject? _auth; // null until asked for when the CONNECT packet carried none
    // The `time` text as another node sent it: written back unchanged (its zone name cannot be rebuilt).
    private string? _timeText;

    /// <summary>Creates a handshake from its parts (used for sockets of other cluster nodes too).</summary>
    public SocketIoHandshake(
        IReadOnlyDictionary<string, string> headers,
        DateTimeOffset time,
        string? address,
        bool xdomain,
        bool secure,
        DateTimeOffset issued,
        string? url,
        IReadOnlyDictionary<string, string> query,
        JObject auth)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(auth);
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
        Time = WholeSeconds(now);
        Address = request.RemoteAddress?.ToString();
        XDomain = request.GetHeader("origin") is not null;
        Secure = request.IsSecure;
        Issued = now;
        Url = request.Url;
        _auth = auth;
    }

    /// <summary>Request headers, names in lower case (Node: <c>headers</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers => _headers ??= HeadersOf(_request!);

    /// <summary>
    /// When the handshake happened, to the second and with the offset of the server that accepted it, as Node's
    /// <c>new Date() + ""</c> text carries it (Node: <c>time</c>); <see cref="Issued"/> has the milliseconds.
    /// </summary>
    public DateTimeOffset Time { get; }

    /// <summary>Client address (Node: <c>address</c>).</summary>
    public string? Address { get; }

    /// <summary>Whether the request was cross-domain (had an Origin header) (Node: <c>xdomain</c>).</summary>
    public bool XDomain { get; }

    /// <summary>Whether the connection is TLS (Node: <c>secure</c>).</summary>
    public bool Secure { get; }

    /// <summary>When the handshake happened, to the millisecond (Node: <c>issued</c>, Unix milliseconds).</summary>
    public DateTimeOffset Issued { get; }

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

    /// <summary>The handshake as Node's JSON shape: <c>time</c> as JS date text, <c>issued</c> as Unix milliseconds.</summary>
    internal JObject ToJson()
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
            ["time"] = _timeText ?? JsDateText.Format(Time),
            // A null string would be a String-typed JValue, which the JS writer prints as "" (Node: null).
            ["address"] = Address is null ? JValue.CreateNull() : Address,
            ["xdomain"] = XDomain,
            ["secure"] = Secure,
            ["issued"] = Issued.ToUnixTimeMilliseconds(),
            ["url"] = Url is null ? JValue.CreateNull() : Url,
            ["query"] = query,
            ["auth"] = Auth,
        };
    }

    /// <summary>Reads Node's JSON shape (from another cluster node).</summary>
    internal static SocketIoHandshake FromJson(JToken? json)
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

        var issued = FromUnixMilliseconds(obj["issued"] is { Type: JTokenType.Integer or JTokenType.Float } ms ? (double)ms : 0);
        var timeText = obj["time"] is { Type: JTokenType.String } t ? (string)t! : null;
        // A node whose `time` is not JS date text (none known) still gets a time: the issue time to the second.
        var time = JsDateText.TryParse(timeText, out var parsed) ? parsed : WholeSeconds(issued);
        return new SocketIoHandshake(
            Map(obj["headers"]),
            time,
            obj.Value<string>("address"),
            obj.Value<bool?>("xdomain") ?? false,
            obj.Value<bool?>("secure") ?? false,
            issued,
            obj.Value<string>("url"),
            Map(obj["query"]),
            obj["auth"] as JObject ?? new JObject())
        {
            _timeText = timeText,
        };
    }

    /// <summary>JS <c>new Date(ms)</c> as an instant; values beyond what DateTimeOffset holds are clamped.</summary>
    private static DateTimeOffset FromUnixMilliseconds(double ms)
    {
        const long min = -62_135_596_800_000; // 0001-01-01
        const long max = 253_402_300_799_999; // 9999-12-31T23:59:59.999
        return double.IsNaN(ms) ? DateTimeOffset.UnixEpoch : DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Clamp(Math.Truncate(ms), min, max));
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset time) => time.AddTicks(-(time.Ticks % TimeSpan.TicksPerSecond));

    internal static SocketIoHandshake From(EngineIoRequest request, JObject? auth, DateTimeOffset now) => new(request, auth, now);
}
