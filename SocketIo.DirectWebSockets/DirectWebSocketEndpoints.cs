using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace SocketIo.DirectWebSockets;

/// <summary>Remembers which Kestrel configurations and endpoints open WebSockets directly (<c>UseDirectWebSockets</c>).</summary>
internal static class DirectWebSocketEndpoints
{
    private static readonly ConditionalWeakTable<KestrelServerOptions, object> Marked = [];
    private static readonly ConditionalWeakTable<EndPoint, Path> Paths = [];

    public static void Mark(KestrelServerOptions options) => Marked.AddOrUpdate(options, Marked);

    public static bool IsMarked(KestrelServerOptions options) => Marked.TryGetValue(options, out _);

    /// <summary>Marks the endpoint Kestrel will bind (the same object is handed to the transport factories).</summary>
    public static void MarkEndPoint(EndPoint endPoint, string? path) => Paths.AddOrUpdate(endPoint, new Path(path));

    public static bool IsMarked(EndPoint endPoint, out string? path)
    {
        var found = Paths.TryGetValue(endPoint, out var p);
        path = p?.Value;
        return found;
    }

    private sealed record Path(string? Value);
}
