namespace SocketIo.Server.EngineIo;

/// <summary>The handshake cookie carrying the sid (Node: engine.io <c>cookie</c> option; defaults name <c>io</c>, path <c>/</c>, httpOnly, sameSite lax).</summary>
public sealed class EngineIoCookieOptions
{
    /// <summary>Cookie name.</summary>
    public string Name { get; set; } = "io";
    /// <summary>Cookie path.</summary>
    public string? Path { get; set; } = "/";
    /// <summary>Cookie domain.</summary>
    public string? Domain { get; set; }
    /// <summary>HttpOnly flag.</summary>
    public bool HttpOnly { get; set; } = true;
    /// <summary>Secure flag.</summary>
    public bool Secure { get; set; }
    /// <summary>SameSite value (<c>Lax</c>, <c>Strict</c>, <c>None</c>, any case) or null to omit.</summary>
    public string? SameSite { get; set; } = "Lax";
    /// <summary>Max-Age, if any.</summary>
    public TimeSpan? MaxAge { get; set; }
    /// <summary>Expires, if any (Node: <c>expires</c>, a <c>Date</c>), written as an HTTP date in UTC.</summary>
    public DateTimeOffset? Expires { get; set; }
    /// <summary>The Partitioned flag (CHIPS; Node: <c>partitioned</c>).</summary>
    public bool Partitioned { get; set; }
    /// <summary>Priority value (<c>Low</c>, <c>Medium</c>, <c>High</c>, any case) or null to omit (Node: <c>priority</c>).</summary>
    public string? Priority { get; set; }

    /// <summary>
    /// Encodes the cookie's value, the session id (the <c>cookie</c> package's <c>encode</c>, default
    /// <c>encodeURIComponent</c>: <see cref="Uri.EscapeDataString(string)"/>, which leaves an id as it is). The result is
    /// written as returned, so it must be a valid cookie value.
    /// </summary>
    public Func<string, string>? Encode { get; set; }

    /// <summary>What is wrong with these options (the npm <c>cookie</c> package throws on the same values).</summary>
    internal IEnumerable<string> GetErrors()
    {
        if (SameSite is not null && Canonical(SameSite, SameSites) is null)
        {
            yield return $"Cookie.SameSite must be Lax, Strict or None (was '{SameSite}').";
        }

        if (Priority is not null && Canonical(Priority, Priorities) is null)
        {
            yield return $"Cookie.Priority must be Low, Medium or High (was '{Priority}').";
        }
    }

    private static readonly string[] SameSites = ["Lax", "Strict", "None"];
    private static readonly string[] Priorities = ["Low", "Medium", "High"];

    private static string? Canonical(string value, string[] allowed) =>
        Array.Find(allowed, a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase));

    internal string Serialize(string value)
    {
        // Attribute order follows the npm "cookie" package's serialize().
        var parts = new List<string> { $"{Name}={(Encode is { } encode ? encode(value) : Uri.EscapeDataString(value))}" };
        if (MaxAge is { } maxAge)
        {
            parts.Add($"Max-Age={(long)maxAge.TotalSeconds}");
        }

        if (Domain is not null)
        {
            parts.Add($"Domain={Domain}");
        }

        if (Path is not null)
        {
            parts.Add($"Path={Path}");
        }

        if (Expires is { } expires)
        {
            parts.Add("Expires=" + expires.UtcDateTime.ToString("R", System.Globalization.CultureInfo.InvariantCulture)); // Date.toUTCString()
        }

        if (HttpOnly)
        {
            parts.Add("HttpOnly");
        }

        if (Secure)
        {
            parts.Add("Secure");
        }

        if (Partitioned)
        {
            parts.Add("Partitioned");
        }

        if (Priority is not null)
        {
            parts.Add($"Priority={Canonical(Priority, Priorities) ?? Priority}");
        }

        if (SameSite is not null)
        {
            parts.Add($"SameSite={Canonical(SameSite, SameSites) ?? SameSite}");
        }

        return string.Join("; ", parts);
    }
}
