namespace SocketIo.Server;

/// <summary>
/// The acknowledgement of a received event, handed to typed handlers (Node: the callback that ends the arguments).
/// Only the first answer is sent; without a request from the client, answering does nothing.
/// </summary>
public sealed class SocketIoAck
{
    internal SocketIoAck(SocketIoEvent e)
    {
        Event = e;
    }

    /// <summary>Whether the client asked for an acknowledgement.</summary>
    public bool Requested => Event.HasAck;

    /// <summary>The event as received (its name, raw arguments and socket).</summary>
    public SocketIoEvent Event { get; }

    /// <summary>Answers the client's callback with these arguments.</summary>
    public ValueTask AckAsync(params object?[] args) => Event.AckAsync(args);
}
