namespace SocketIo.Server.EngineIo;

/// <summary>The reference server's HTTP error codes (Node: <c>Server.errors</c> in engine.io/lib/server.ts).</summary>
public enum EngineIoErrorCode
{
    /// <summary><c>Transport unknown</c>: transport missing or not enabled.</summary>
    UnknownTransport = 0,
    /// <summary><c>Session ID unknown</c>.</summary>
    UnknownSid = 1,
    /// <summary><c>Bad handshake method</c>: a handshake that is not a GET.</summary>
    BadHandshakeMethod = 2,
    /// <summary><c>Bad request</c>.</summary>
    BadRequest = 3,
    /// <summary><c>Forbidden</c>: refused by <see cref="EngineIoOptions.AllowRequest"/> (HTTP 403).</summary>
    Forbidden = 4,
    /// <summary><c>Unsupported protocol version</c>: EIO is not 4.</summary>
    UnsupportedProtocolVersion = 5,
}
