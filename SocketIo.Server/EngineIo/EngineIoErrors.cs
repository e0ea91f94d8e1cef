namespace SocketIo.Server.EngineIo;

/// <summary>The messages and HTTP statuses that go with <see cref="EngineIoErrorCode"/> (Node: <c>Server.errorMessages</c>, <c>abortRequest</c>).</summary>
internal static class EngineIoErrors
{
    public static string MessageOf(EngineIoErrorCode code) => code switch
    {
        EngineIoErrorCode.UnknownTransport => "Transport unknown",
        EngineIoErrorCode.UnknownSid => "Session ID unknown",
        EngineIoErrorCode.BadHandshakeMethod => "Bad handshake method",
        EngineIoErrorCode.BadRequest => "Bad request",
        EngineIoErrorCode.Forbidden => "Forbidden",
        EngineIoErrorCode.UnsupportedProtocolVersion => "Unsupported protocol version",
        _ => "Bad request",
    };

    /// <summary>403 for code 4, otherwise 400 (engine.io server.ts abortRequest).</summary>
    public static int StatusOf(EngineIoErrorCode code) => code == EngineIoErrorCode.Forbidden ? 403 : 400;
}
