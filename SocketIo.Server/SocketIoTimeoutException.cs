using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>
/// An acknowledgement did not arrive in time (Node: <c>Error("operation has timed out")</c>). For broadcasts,
/// <see cref="Responses"/> holds the responses that did arrive.
/// </summary>
public sealed class SocketIoTimeoutException : TimeoutException
{
    /// <summary>Creates the error with Node's message.</summary>
    public SocketIoTimeoutException() : this(Array.Empty<JToken?>())
    {
    }

    /// <summary>Creates the error with the partial responses.</summary>
    public SocketIoTimeoutException(IReadOnlyList<JToken?> responses) : base("operation has timed out")
    {
        Responses = responses;
    }

    /// <summary>Creates the error with a message and the partial responses (cluster requests).</summary>
    public SocketIoTimeoutException(string message, IReadOnlyList<JToken?> responses) : base(message)
    {
        Responses = responses;
    }

    /// <summary>Creates the error.</summary>
    public SocketIoTimeoutException(string message) : base(message)
    {
        Responses = Array.Empty<JToken?>();
    }

    /// <summary>Creates the error.</summary>
    public SocketIoTimeoutException(string message, Exception innerException) : base(message, innerException)
    {
        Responses = Array.Empty<JToken?>();
    }

    /// <summary>The responses received before the timeout (broadcast acks).</summary>
    public IReadOnlyList<JToken?> Responses { get; }
}
