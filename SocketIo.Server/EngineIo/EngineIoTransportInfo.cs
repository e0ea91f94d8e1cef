using SocketIo.Server.EngineIo.Transports;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// What a session shows of one of its transports (Node: <c>socket.conn.transport</c>), read-only: its name, whether a
/// write would go out now, and its state. Sends and closes stay with the session, so nothing here can break it.
/// </summary>
/// <remarks>
/// Like Node's transport object, a view belongs to one transport, not to the session: after a polling → WebSocket
/// upgrade, <see cref="EngineIoConnection.Transport"/> returns the WebSocket's view, while a view kept from before
/// still describes the discarded polling transport (<see cref="Writable"/> false, <see cref="ReadyState"/> closed).
/// Read <see cref="EngineIoConnection.Transport"/> again rather than keeping it. The members of one view are always
/// about the same transport.
/// </remarks>
public sealed class EngineIoTransportInfo
{
    private readonly EngineTransport _transport;

    internal EngineIoTransportInfo(EngineTransport transport) => _transport = transport;

    /// <summary>The transport's name, <c>polling</c> or <c>websocket</c> (Node: <c>transport.name</c>).</summary>
    public string Name => _transport.Name;

    /// <summary>
    /// Whether a write would go out now rather than wait in the session's buffer (Node: <c>transport.writable</c>):
    /// for polling, whether a GET is waiting for data; for WebSocket, whether no send is in progress. Socket.IO drops
    /// volatile packets while it is false.
    /// </summary>
    public bool Writable => _transport.Writable;

    /// <summary>
    /// The transport's state (Node: <c>transport.readyState</c>, <c>open</c>, <c>closing</c> or <c>closed</c>); never
    /// <see cref="EngineIoReadyState.Opening"/>. A transport closes with its session, or when an upgrade replaces it.
    /// </summary>
    public EngineIoReadyState ReadyState => _transport.IsClosed
        ? EngineIoReadyState.Closed
        : _transport.IsOpen ? EngineIoReadyState.Open : EngineIoReadyState.Closing;
}
