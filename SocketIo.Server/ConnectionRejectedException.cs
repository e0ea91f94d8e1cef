using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>
/// Thrown by a connection middleware to refuse a namespace connection; the client receives CONNECT_ERROR
/// <c>{"message":…,"data":…}</c> (Node: <c>next(err)</c> with <c>err.data</c>).
/// </summary>
public sealed class ConnectionRejectedException : Exception
{
    /// <summary>Refuses with a message and optional data sent to the client as <c>err.data</c>.</summary>
    public ConnectionRejectedException(string message, object? data = null) : base(message)
    {
        ErrorData = data is null ? null : data as JToken ?? JToken.FromObject(data);
    }

    /// <summary>Refuses with a message.</summary>
    public ConnectionRejectedException(string message) : this(message, (object?)null)
    {
    }

    /// <summary>Refuses with the default message.</summary>
    public ConnectionRejectedException() : this("Connection rejected", (object?)null)
    {
    }

    /// <summary>Wraps another exception.</summary>
    public ConnectionRejectedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The data sent to the client (Node: <c>err.data</c>).</summary>
    public JToken? ErrorData { get; }
}
