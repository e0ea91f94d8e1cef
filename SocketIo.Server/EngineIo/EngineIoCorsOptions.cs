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
}
