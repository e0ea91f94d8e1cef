using Microsoft.Extensions.Logging;

namespace SocketIo.AdminUi;

internal sealed partial class AdminUiAuthenticator
{
    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Admin UI: invalid credentials from {Address}")]
    private static partial void LogInvalidCredentials(ILogger logger, string? address);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Admin UI: the session store failed to {What}; the dashboard logs in with its password")]
    private static partial void LogStoreFailed(ILogger logger, string what, Exception exception);
}
