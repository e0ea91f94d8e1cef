using Microsoft.Extensions.Logging;

namespace SocketIo.AdminUi;

internal sealed partial class AdminUiCommands
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Admin UI: {Command} refused, the admin UI is read-only")]
    private static partial void LogRefused(ILogger logger, string command);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Admin UI: {Command} with malformed arguments ignored")]
    private static partial void LogMalformed(ILogger logger, string command);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Admin UI: {Command} for namespace {Namespace}, which this server does not hold, ignored")]
    private static partial void LogUnknownNamespace(ILogger logger, string command, string @namespace);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Admin UI: {Command} failed")]
    private static partial void LogCommandFailed(ILogger logger, string command, Exception exception);
}
