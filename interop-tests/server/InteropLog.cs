namespace SocketIo.InteropServer;

/// <summary>Log messages of the interop host.</summary>
internal static partial class InteropLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Error, Message = "A task failed unobserved")]
    public static partial void TaskFailedUnobserved(ILogger logger, Exception exception);
}
