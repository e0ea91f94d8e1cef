using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.Primitives;
using SocketIo.Server.EngineIo;

namespace SocketIo.Tests.Support;

/// <summary>Builds <see cref="EngineIoRequest"/> snapshots for sessions registered without HTTP.</summary>
internal static class EngineIoRequests
{
    public static EngineIoRequest Polling() => new(
        "GET",
        "/engine.io/?EIO=4&transport=polling",
        new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase) { ["Host"] = "127.0.0.1" },
        new Dictionary<string, StringValues>(StringComparer.Ordinal) { ["EIO"] = "4", ["transport"] = "polling" },
        IPAddress.Loopback,
        false,
        new ClaimsPrincipal());
}
