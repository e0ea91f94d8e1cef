namespace SocketIo.Server;

/// <summary>
/// A received event that did not bind to a typed handler's parameters or failed their validation
/// (<see cref="SocketIoOptions.OnInvalidMessage"/>). The handler was not called.
/// </summary>
public sealed class InvalidMessage
{
    internal InvalidMessage(SocketIoEvent e, IReadOnlyList<string> errors)
    {
        Event = e;
        Errors = errors;
    }

    /// <summary>The event as received.</summary>
    public SocketIoEvent Event { get; }

    /// <summary>What is wrong, one line each: which argument did not bind, or which member failed which rule. No values.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>The errors in one line.</summary>
    public string Message => string.Join("; ", Errors);
}
