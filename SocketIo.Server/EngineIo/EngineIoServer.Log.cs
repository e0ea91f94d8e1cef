using Microsoft.Extensions.Logging;

namespace SocketIo.Server.EngineIo;

public sealed partial class EngineIoServer
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Engine.IO session {Sid} opened over {Transport}")]
    private static partial void LogSessionOpened(ILogger logger, string sid, string transport);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Engine.IO session {Sid} closed")]
    private static partial void LogSessionClosed(ILogger logger, string sid);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Engine.IO request refused with code {Code}: {Message}")]
    private static partial void LogRequestRefused(ILogger logger, int code, string message);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "An Engine.IO handler threw")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "AllowRequest threw; the handshake is refused")]
    private static partial void LogAllowRequestFailed(ILogger logger, Exception exception);

    // At most one line per 10 s (LogThrottle): {AlsoRefused} counts the refusals not logged since the previous line.
    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "WebSocket upgrade refused with 503: {Reason} ({AlsoRefused} more refused since the last report)")]
    private static partial void LogUpgradeRefused(ILogger logger, string reason, long alsoRefused);

    // One line per session closed, at most one per 10 s (LogThrottle): a network blip can make thousands slow at once.
    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "Engine.IO session {Sid} closed: it held {HeldBytes} outbound bytes and a write of {WriteBytes} would pass MaxBufferedOutboundBytes ({Limit}); the client does not read fast enough ({AlsoClosed} more closed for it since the last report)")]
    private static partial void LogOutboundLimitClosed(ILogger logger, string sid, long heldBytes, long writeBytes, long limit, long alsoClosed);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "The CORS origin predicate threw; the request is refused (400, Bad request)")]
    private static partial void LogCorsOriginFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "GenerateId threw; the handshake is refused (400, Bad request)")]
    private static partial void LogGenerateIdFailed(ILogger logger, Exception exception);
}
