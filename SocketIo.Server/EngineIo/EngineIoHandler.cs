namespace SocketIo.Server.EngineIo;

/// <summary>
/// The one seam between Engine.IO and the layer above it: session opened, message received, session closed.
/// Callbacks run on the transport's receive path, in order, and must not block.
/// </summary>
public abstract class EngineIoHandler
{
    /// <summary>A session has completed its handshake (Node: engine <c>connection</c>).</summary>
    public abstract void OnConnection(EngineIoSocket socket);

    /// <summary>A <c>message</c> packet arrived (Node: socket <c>message</c>). The data is owned by the callee.</summary>
    public abstract void OnMessage(EngineIoSocket socket, EngineMessage message);

    /// <summary>The session closed (Node: socket <c>close</c>), with one of <see cref="EngineIoCloseReasons"/>.</summary>
    public abstract void OnClose(EngineIoSocket socket, string reason, string? description);

    /// <summary>A request was refused (Node: engine <c>connection_error</c>).</summary>
    public virtual void OnConnectionError(EngineIoConnectionError connectionError)
    {
    }
}
