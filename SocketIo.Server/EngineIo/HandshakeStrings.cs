namespace SocketIo.Server.EngineIo;

/// <summary>
/// The header names and values, and query keys and values, that nearly every Engine.IO handshake carries, as one
/// shared string each. A session keeps its handshake for its lifetime: without this each idle connection held a dozen
/// copies of "Sec-WebSocket-Version", "websocket", "EIO", "4" and the like (≈ 350 bytes).
/// </summary>
internal static class HandshakeStrings
{
    private static readonly string[] Known =
    [
        "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions",
        "Origin", "User-Agent", "Accept-Encoding", "Accept-Language", "Cache-Control", "Pragma", "Cookie",
        "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
        "origin", "user-agent", "accept-encoding", "accept-language", "cache-control", "pragma", "cookie",
        "websocket", "13", "keep-alive, Upgrade", "permessage-deflate; client_max_window_bits", "no-cache",
        "gzip, deflate, br", "gzip, deflate, br, zstd",
        "EIO", "4", "transport", "polling", "t", "sid", "j", "b64",
    ];

    /// <summary>The shared instance when <paramref name="text"/> is a known string, else a new string.</summary>
    public static string Get(ReadOnlySpan<char> text) => Find(text) ?? text.ToString();

    /// <summary>The shared instance of <paramref name="text"/> when it is known, else <paramref name="text"/> itself.</summary>
    public static string Share(string text) => Find(text) ?? text;

    private static string? Find(ReadOnlySpan<char> text)
    {
        foreach (var known in Known)
        {
            if (text.SequenceEqual(known))
            {
                return known;
            }
        }

        return null;
    }
}
