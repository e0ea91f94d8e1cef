namespace SocketIo.Server.Protocol;

/// <summary>
/// A Socket.IO packet that could not be decoded. The connection that sent it is closed, as Node does
/// (socket.io client.ts <c>onerror</c>); the message is socket.io-parser's.
/// </summary>
public sealed class SocketIoProtocolException : Exception
{
    /// <summary>Creates the error.</summary>
    public SocketIoProtocolException(string message) : base(message)
    {
    }

    /// <summary>Creates the error.</summary>
    public SocketIoProtocolException()
    {
    }

    /// <summary>Creates the error.</summary>
    public SocketIoProtocolException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
