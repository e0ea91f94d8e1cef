using Microsoft.Extensions.Logging;

namespace SocketIo.Server.Adapters;

/// <summary>Log messages of the cluster adapters.</summary>
internal static partial class ClusterAdapterLog
{
    // The first failure of an outage, with its exception; PublishOutageLog holds back the rest (3003, 3004).
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Publishing cluster message type {Type} for namespace {Namespace} failed; until the cluster is reachable again, the other servers miss what this server publishes (local delivery continues)")]
    public static partial void PublishFailed(ILogger logger, int type, string @namespace, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Ignored a malformed cluster message of type {Type} for namespace {Namespace}")]
    public static partial void BadMessage(ILogger logger, int type, string @namespace, Exception? exception);

    // At most one line per 10 s while the outage lasts: {Failed} counts the failures since the previous line.
    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Still unable to publish cluster messages for namespace {Namespace}: {Failed} more lost, outage for {Seconds} s ({Reason})")]
    public static partial void PublishStillFailing(ILogger logger, long failed, string @namespace, long seconds, string reason);

    // Warning, not Information: it closes the outage the warnings opened and reports how many messages were lost.
    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Publishing cluster messages for namespace {Namespace} works again; {Failed} messages were lost during the {Seconds} s outage")]
    public static partial void PublishRecovered(ILogger logger, string @namespace, long failed, long seconds);

    // A heartbeat adapter stops waiting for a node it has not heard from for the heartbeat timeout.
    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Cluster node {Uid} of namespace {Namespace} sent nothing for longer than the heartbeat timeout; it is no longer counted")]
    public static partial void NodeSeemsDown(ILogger logger, string @namespace, string uid);
}
