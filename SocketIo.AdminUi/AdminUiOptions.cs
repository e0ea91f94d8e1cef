namespace SocketIo.AdminUi;

/// <summary>The options of <c>Instrument</c> (Node: the second argument of <c>instrument(io, options)</c>).</summary>
public sealed class AdminUiOptions
{
    /// <summary>The namespace the dashboard connects to (Node: <c>namespaceName</c>, default <c>/admin</c>).</summary>
    public string NamespaceName { get; set; } = "/admin";

    /// <summary>Who may connect; must be set (Node throws when <c>auth</c> is undefined): <see cref="AdminUiAuth.None"/> or <see cref="AdminUiAuth.Basic"/>.</summary>
    public AdminUiAuth? Auth { get; set; }

    /// <summary>Whether the dashboard's actions (join, leave, disconnect, emit) are refused (Node: <c>readonly</c>).</summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// This server's name in the dashboard (Node: <c>serverId</c>); default the host name, as Node's. Every server of
    /// a cluster needs its own.
    /// </summary>
    public string? ServerId { get; set; }

    /// <summary>How much the dashboard is told (Node: <c>mode</c>, default <c>development</c> unless <c>NODE_ENV</c> says otherwise).</summary>
    public AdminUiMode Mode { get; set; } = AdminUiMode.Development;

    /// <summary>Where login sessions are kept (Node: <c>store</c>, default an in-memory store).</summary>
    public AdminUiStore Store { get; set; } = new InMemoryAdminUiStore();

    /// <summary>How often <c>server_stats</c> is sent; Node's is fixed at 2 seconds.</summary>
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Every problem with these options, empty when they are usable.</summary>
    public IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>();
        if (Auth is null)
        {
            errors.Add("the Auth option must be set, or explicitly AdminUiAuth.None (Node: \"the `auth` option must be specified or explicitly set to `false`\")");
        }

        if (string.IsNullOrEmpty(NamespaceName) || NamespaceName[0] != '/')
        {
            errors.Add("NamespaceName must start with '/'");
        }

        if (StatsInterval <= TimeSpan.Zero)
        {
            errors.Add("StatsInterval must be positive");
        }

        if (Store is null)
        {
            errors.Add("Store must be set");
        }

        return errors;
    }
}
