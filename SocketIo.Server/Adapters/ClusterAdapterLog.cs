using Microsoft.Extensions.Logging;

namespace SocketIo.Server.Adapters;

/// <summary>Log messages of the cluster adapters.</summary>
internal static partial class ClusterAdapterLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Publishing cluster message type {Type} for namespace {Namespace} failed")]
    public static partial void PublishFailed(ILogger logger, int type, string @namespace, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Ignored a malformed cluster message of type {Type} for namespace {Namespace}")]
    public static partial void BadMessage(ILogger logger, int type, string @namespace, Exception? exception);
}
