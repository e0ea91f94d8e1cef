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
    /// <summary>SameSite value (<c>Lax</c>, <c>Strict</c>, <c>None</c>) or null to omit.</summary>
    public string? SameSite { get; set; } = "Lax";
    /// <summary>Max-Age, if any.</summary>
    public TimeSpan? MaxAge { get; set; }

    internal string Serialize(string value)
    {
        // Attribute order follows the npm "cookie" package's serialize().
        var parts = new List<string> { $"{Name}={Uri.EscapeDataString(value)}" };
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

        if (HttpOnly)
        {
            parts.Add("HttpOnly");
        }

        if (Secure)
        {
            parts.Add("Secure");
        }

        if (SameSite is not null)
        {
            parts.Add($"SameSite={SameSite}");
        }

        return string.Join("; ", parts);
    }
}
