using System.Text.RegularExpressions;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// CORS as engine.io's <c>cors</c> option does it (it applies the npm <c>cors</c> package to its own requests).
/// ASP.NET Core CORS policies on the endpoint work too; use one or the other.
/// </summary>
public sealed class EngineIoCorsOptions
{
    /// <summary>
    /// Allowed origins. <c>["*"]</c> (Node: <c>origin: "*"</c>) answers <c>Access-Control-Allow-Origin: *</c>;
    /// otherwise a request origin in the list is reflected with <c>Vary: Origin</c>.
    /// </summary>
    public IList<string> Origins { get; } = new List<string>();

    /// <summary>
    /// Allowed origins as patterns (Node: a <c>RegExp</c> in <c>origin</c>, alone or in its array): a request origin
    /// that one of them matches is reflected with <c>Vary: Origin</c>, as one in <see cref="Origins"/> is.
    /// </summary>
    public IList<Regex> OriginPatterns { get; } = new List<Regex>();

    /// <summary>
    /// Decides each request's origin (Node: <c>origin: (origin, callback) => …</c>), null when the request has none;
    /// replaces <see cref="Origins"/>, <see cref="OriginPatterns"/> and <see cref="ReflectOrigin"/>. True reflects the
    /// origin; false leaves the request without any CORS header (a preflight then gets engine.io's 400, as the
    /// <c>cors</c> package passes it on); a predicate that throws refuses the request with
    /// <c>400 {"code":3,"message":"Bad request"}</c> (engine.io's <c>MIDDLEWARE_FAILURE</c>).
    /// </summary>
    public Func<string?, CancellationToken, ValueTask<bool>>? OriginPredicate { get; set; }

    /// <summary>Reflect any request origin (Node: <c>origin: true</c>).</summary>
    public bool ReflectOrigin { get; set; }

    /// <summary>Adds <c>Access-Control-Allow-Credentials: true</c> (Node: <c>credentials</c>).</summary>
    public bool Credentials { get; set; }

    /// <summary>Preflight methods (Node default <c>GET,HEAD,PUT,PATCH,POST,DELETE</c>).</summary>
    public string Methods { get; set; } = "GET,HEAD,PUT,PATCH,POST,DELETE";

    /// <summary>Preflight allowed headers; <c>null</c> reflects <c>Access-Control-Request-Headers</c> (Node default).</summary>
    public string? AllowedHeaders { get; set; }

    /// <summary>Exposed headers, if any.</summary>
    public string? ExposedHeaders { get; set; }

    /// <summary>Preflight max age, if any.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>
    /// Passes a preflight (<c>OPTIONS</c>) on with its CORS headers instead of answering it (Node:
    /// <c>preflightContinue</c>, default false): the engine then answers it as it answers any <c>OPTIONS</c> request,
    /// <c>400 {"code":2,"message":"Bad handshake method"}</c> without a sid and <c>500</c> with one, as engine.io does.
    /// </summary>
    public bool PreflightContinue { get; set; }

    /// <summary>The status of an answered preflight (Node: <c>optionsSuccessStatus</c>, default 204).</summary>
    public int OptionsSuccessStatus { get; set; } = 204;

    /// <summary>
    /// Options for each request (Node: <c>cors</c> given a function, the <c>cors</c> package's options delegate):
    /// when set, the options it returns apply to that request instead of this object's other properties (its own
    /// <c>PerRequest</c> is not used); null leaves the request without any CORS header. One that throws refuses the
    /// request with <c>400 {"code":3,"message":"Bad request"}</c> (engine.io's <c>MIDDLEWARE_FAILURE</c>).
    /// </summary>
    public Func<Microsoft.AspNetCore.Http.HttpContext, CancellationToken, ValueTask<EngineIoCorsOptions?>>? PerRequest { get; set; }
}
