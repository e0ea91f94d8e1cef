namespace SocketIo.Server.EngineIo;

/// <summary>
/// The query keys and values that nearly every Engine.IO handshake carries, as one shared string each. A session keeps
/// its handshake for its lifetime: without this each idle connection held copies of "EIO", "4", "transport",
/// "websocket" and the like. (A transport engine that parses headers itself shares their strings on its own.)
/// </summary>
internal static class HandshakeStrings
{
    private static readonly string[] Known =
    [
        "EIO", "4", "transport", "websocket", "polling", "t", "sid", "j", "b64",
    ];

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
