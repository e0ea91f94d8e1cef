namespace SocketIo.Server.EngineIo;

/// <summary>The reasons an Engine.IO session closes, with the reference's exact strings (npm engine.io build/socket.js).</summary>
public static class EngineIoCloseReasons
{
    /// <summary>The transport failed (bad packet direction, payload too large, overlapping requests…).</summary>
    public const string TransportError = "transport error";
    /// <summary>The client closed the transport (WS closed, <c>1</c> packet over polling).</summary>
    public const string TransportClose = "transport close";
    /// <summary>The server closed the session.</summary>
    public const string ForcedClose = "forced close";
    /// <summary>No pong within pingTimeout after a ping was queued.</summary>
    public const string PingTimeout = "ping timeout";
    /// <summary>A packet could not be decoded.</summary>
    public const string ParseError = "parse error";
}
