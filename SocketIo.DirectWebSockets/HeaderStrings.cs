namespace SocketIo.DirectWebSockets;

/// <summary>
/// The header names and values that nearly every WebSocket handshake carries, as one shared string each. A session
/// keeps its handshake headers for its lifetime: without this each idle connection held a dozen copies of
/// "Sec-WebSocket-Version", "websocket" and the like. (The Engine.IO query keys and values are shared by the core.)
/// </summary>
internal static class HeaderStrings
{
    private static readonly string[] Known =
    [
        "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions",
        "Origin", "User-Agent", "Accept-Encoding", "Accept-Language", "Cache-Control", "Pragma", "Cookie",
        "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
        "origin", "user-agent", "accept-encoding", "accept-language", "cache-control", "pragma", "cookie",
        "websocket", "13", "keep-alive, Upgrade", "permessage-deflate; client_max_window_bits", "no-cache",
        "gzip, deflate, br", "gzip, deflate, br, zstd",
    ];

    /// <summary>The shared instance when <paramref name="text"/> is a known string, else a new string.</summary>
    public static string Get(ReadOnlySpan<char> text)
    {
        foreach (var known in Known)
        {
            if (text.SequenceEqual(known))
            {
                return known;
            }
        }

        return text.ToString();
    }
}
