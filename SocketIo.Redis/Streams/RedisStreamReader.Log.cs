using Microsoft.Extensions.Logging;

namespace SocketIo.Redis.Streams;

/// <summary>The log events of <see cref="RedisStreamReader"/>.</summary>
internal sealed partial class RedisStreamReader
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "XREAD on Redis stream {Stream} failed, retrying: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string stream, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Skipped entry {Id} of Redis stream {Stream}: {Reason}")]
    private static partial void LogBadEntry(ILogger logger, string stream, string id, string reason);
}
