using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace SocketIo.Server.Hosting;

/// <summary>Remembers which Kestrel configurations open WebSockets directly (<c>UseSocketIoWebSockets</c>).</summary>
internal static class DirectWebSocketEndpoints
{
    private static readonly ConditionalWeakTable<KestrelServerOptions, object> Marked = [];

    public static void Mark(KestrelServerOptions options) => Marked.AddOrUpdate(options, Marked);

    public static bool IsMarked(KestrelServerOptions options) => Marked.TryGetValue(options, out _);
}
