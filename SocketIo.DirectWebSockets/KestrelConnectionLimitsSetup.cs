using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// Caps Kestrel's connections by the process's file-descriptor budget (<see cref="FileDescriptorBudget"/>) where the
/// application left the limits unset.
/// </summary>
/// <remarks>
/// Why: every connection is a socket descriptor, and Kestrel accepts until <c>accept</c> fails with EMFILE. The
/// runtime does not survive that: building the SocketException's stack trace needs descriptors too and throws
/// OutOfMemoryException ("The connection listener failed to accept any new connections"), then the socket engine
/// fails fast ("Out of memory." / "Process terminated."), dropping every client. With both limits set, Kestrel closes
/// surplus connections itself and refuses surplus WebSocket upgrades (the engine answers those 503), so the process
/// keeps serving. <c>MaxConcurrentConnections</c> alone is not enough: a connection leaves that count when it is
/// upgraded and counts only against <c>MaxConcurrentUpgradedConnections</c>. Because of that hand-over the two
/// shares can be disjoint and their sum never exceeds the budget. A quarter goes to plain HTTP (polling, handshakes
/// in flight, other endpoints), the rest to WebSockets.
/// <para>Registered by <c>AddFileDescriptorConnectionLimits</c>. A limit set before that call (non-null) is kept; one set after it overrides this, and setting it
/// back to null there opts out.</para>
/// </remarks>
internal sealed class KestrelConnectionLimitsSetup(long? budget) : IConfigureOptions<KestrelServerOptions>
{
    /// <summary>The setup for this process's budget, measured when Kestrel's options are first built.</summary>
    public static KestrelConnectionLimitsSetup ForThisProcess() => new(FileDescriptorBudget.Compute());

    public void Configure(KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (budget is not { } total)
        {
            return;
        }

        // At least one plain connection, or not even a handshake gets through. WebSockets opened directly on the
        // connection (UseDirectWebSockets) are never upgraded in Kestrel's eyes and count as plain connections:
        // then the larger share goes to the plain count and only upgrades of polling sessions use the other.
        var quarter = total / 4;
        var plain = Math.Max(1, DirectWebSocketEndpoints.IsMarked(options) ? total - quarter : quarter);
        var limits = options.Limits;
        limits.MaxConcurrentConnections ??= plain;
        limits.MaxConcurrentUpgradedConnections ??= total - plain;
    }
}
