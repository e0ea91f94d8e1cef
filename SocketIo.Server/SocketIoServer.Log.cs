using Microsoft.Extensions.Logging;

namespace SocketIo.Server;

public sealed partial class SocketIoServer
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "A Socket.IO {What} threw (namespace {Namespace}, socket {SocketId})")]
    internal static partial void LogHandlerFailed(ILogger logger, string what, string @namespace, string socketId, Exception exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Closing connection {Sid}: invalid Socket.IO packet ({Reason})")]
    internal static partial void LogProtocolError(ILogger logger, string sid, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Closing connection {Sid}: packet type {Type} for namespace {Namespace} in an invalid state")]
    internal static partial void LogInvalidState(ILogger logger, string sid, int type, string @namespace);

    // Debug: an expired, unknown or forged private id is ordinary (the client simply gets a fresh socket); no ids logged.
    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Connection state not recovered in namespace {Namespace}: the session is unknown or expired, or its offset is no longer kept; a fresh socket is created")]
    internal static partial void LogNotRecovered(ILogger logger, string @namespace);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Restoring a session in namespace {Namespace} failed; a fresh socket is created")]
    internal static partial void LogRecoveryFailed(ILogger logger, string @namespace, Exception exception);

    // Information, once per socket: a client sending malformed events is the client's bug, not the server's; the
    // payload stays out (it may hold personal data), the errors name only arguments, members and rules.
    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Socket {SocketId} in namespace {Namespace} sent an invalid '{Event}' ({Errors}); later ones of this socket are not logged")]
    internal static partial void LogInvalidMessage(ILogger logger, string @namespace, string socketId, string @event, string errors);
}
