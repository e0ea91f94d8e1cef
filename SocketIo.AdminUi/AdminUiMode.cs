namespace SocketIo.AdminUi;

/// <summary>How much the admin UI is told (Node: the <c>mode</c> option).</summary>
public enum AdminUiMode
{
    /// <summary>
    /// Everything: the socket list, live socket and room events, every event received and sent (Node's default when
    /// <c>NODE_ENV</c> is unset). Each of those costs a broadcast to the admin namespace.
    /// </summary>
    Development,

    /// <summary>Server stats and aggregated counts only (Node: <c>mode: "production"</c>).</summary>
    Production,
}
