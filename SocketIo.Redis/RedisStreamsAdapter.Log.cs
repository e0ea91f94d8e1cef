using Microsoft.Extensions.Logging;

namespace SocketIo.Redis;

/// <summary>The log events of <see cref="RedisStreamsAdapter"/>.</summary>
public sealed partial class RedisStreamsAdapter
{
    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Ignored a malformed message on Redis channel {Channel}: {Reason}")]
    private static partial void LogBadMessage(ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Skipped entry {Id} of Redis stream {Stream}: {Reason}")]
    private static partial void LogBadEntry(ILogger logger, string stream, string id, string reason);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Warning, Message = "Ignored the malformed session {Key}: {Reason}")]
    private static partial void LogBadSession(ILogger logger, string key, string reason);
}
