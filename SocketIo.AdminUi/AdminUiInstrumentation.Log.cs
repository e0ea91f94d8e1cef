using Microsoft.Extensions.Logging;

namespace SocketIo.AdminUi;

internal sealed partial class AdminUiInstrumentation
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Admin UI: sending {EventName} to the dashboards failed")]
    private static partial void LogEmitFailed(ILogger logger, string eventName, Exception exception);
}
