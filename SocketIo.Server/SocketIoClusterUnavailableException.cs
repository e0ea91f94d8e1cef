namespace SocketIo.Server;

/// <summary>
/// A cluster operation could not reach the other servers because the cluster transport (Redis) is unreachable:
/// thrown by <c>FetchSocketsAsync</c>, <c>ServerSideEmitWithAckAsync</c>, <c>EmitWithAckAsync</c> and
/// <c>ServerCountAsync</c> instead of a silent answer with this server's part only. Local delivery never waits for the
/// cluster, so broadcasts still reach this server's clients during an outage; what this server publishes meanwhile is
/// lost for the others. <see cref="Exception.InnerException"/> holds the transport's error, if any.
/// <para>
/// Node has no such type: there, a request made while Redis is down waits in the Redis client's offline queue and
/// rejects with that client's error or with the request timeout. This exception says so at once.
/// </para>
/// </summary>
public sealed class SocketIoClusterUnavailableException : Exception
{
    /// <summary>Creates the error with a default message.</summary>
    public SocketIoClusterUnavailableException() : this("The cluster is unreachable")
    {
    }

    /// <summary>Creates the error.</summary>
    public SocketIoClusterUnavailableException(string message) : base(message)
    {
    }

    /// <summary>Creates the error with the transport's error.</summary>
    public SocketIoClusterUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
