namespace SocketIo.Server.EngineIo;

/// <summary>
/// An <see cref="EngineIoHandler"/> that keeps a state of its own per session (for Socket.IO: its client
/// connection): it makes the state when the session opens, and every later callback of that session receives it.
/// </summary>
/// <typeparam name="TState">The per-session state.</typeparam>
public abstract class EngineIoHandler<TState> : EngineIoHandler
    where TState : class
{
    /// <summary>A session has completed its handshake (Node: engine <c>connection</c>); returns its state.</summary>
    /// <remarks>
    /// A close that happens while this runs (the handler itself may close the session) is reported to
    /// <see cref="OnClose(EngineIoSocket, TState, string, string?)"/> after it has returned, with the state it returned.
    /// </remarks>
    protected abstract TState CreateState(EngineIoSocket socket);

    /// <summary>A <c>message</c> packet arrived (Node: socket <c>message</c>). The data is owned by the callee.</summary>
    protected abstract void OnMessage(EngineIoSocket socket, TState state, EngineMessage message);

    /// <summary>The session closed (Node: socket <c>close</c>), with one of <see cref="EngineIoCloseReasons"/>.</summary>
    protected abstract void OnClose(EngineIoSocket socket, TState state, string reason, string? description);

    /// <summary>The state this handler made for <paramref name="socket"/>; null before that, or for another handler's session.</summary>
    public TState? StateOf(EngineIoSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return ReferenceEquals(socket.Handler, this) ? socket.HandlerState as TState : null;
    }

    /// <inheritdoc />
    public sealed override void OnConnection(EngineIoSocket socket) => socket.HandlerState = CreateState(socket);

    /// <inheritdoc />
    public sealed override void OnMessage(EngineIoSocket socket, EngineMessage message)
    {
        // Null only when CreateState threw: the server closes such a session.
        if (StateOf(socket) is { } state)
        {
            OnMessage(socket, state, message);
        }
    }

    /// <inheritdoc />
    public sealed override void OnClose(EngineIoSocket socket, string reason, string? description)
    {
        if (StateOf(socket) is { } state)
        {
            OnClose(socket, state, reason, description);
        }
    }
}
