using Microsoft.Extensions.Logging;

namespace SocketIo.AdminUi;

internal sealed partial class AdminUiAuthenticator
{
    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Admin UI: invalid credentials from {Address}")]
    private static partial void LogInvalidCredentials(ILogger logger, string? address);
}
