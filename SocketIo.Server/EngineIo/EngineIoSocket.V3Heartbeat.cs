namespace SocketIo.Server.EngineIo;

/// <summary>
/// The Engine.IO v3 heartbeat (engine.io socket.ts, <c>protocol === 3</c> branches): the client pings, the server
/// answers pong, and the session closes with "ping timeout" when no ping came for pingInterval + pingTimeout.
/// </summary>
public sealed partial class EngineIoSocket
{
    /// <summary>The Engine.IO protocol revision of this session: 4, or 3 for a socket.io 2.x client (Node: <c>socket.protocol</c>).</summary>
    public int Protocol { get; }

    /// <summary>Starts (or restarts) the wait for the client's next ping (socket.ts resetPingTimeout for v3).</summary>
    /// <remarks>
    /// engine.io also clears this timer when the session upgrades (clearTransport), after which a v3 session never
    /// times out; here it keeps running across the upgrade, so that a dead upgraded client is still noticed.
    /// </remarks>
    private void ArmV3PingTimeoutLocked() =>
        ArmPingTimeoutLocked(_time.GetTimestamp() + ToTimestamp(_options.PingInterval + _options.PingTimeout));

    /// <summary>A v3 client's ping: the timeout starts again and a pong goes back (socket.ts onPacket "ping").</summary>
    private void OnV3PingLocked()
    {
        ArmV3PingTimeoutLocked();
        _writeBuffer.Add(EnginePacket.Pong);
        FlushLocked();
    }
}
