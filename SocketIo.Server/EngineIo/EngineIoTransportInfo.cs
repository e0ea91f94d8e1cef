using SocketIo.Server.EngineIo.Transports;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// What a session shows of one of its transports (Node: <c>socket.conn.transport</c>): its name, session id and
/// protocol, whether a write would go out now, its state, and <see cref="Close"/>. Sends stay with the session, so
/// nothing here can put a packet outside its order or framing.
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
    /// The id of the session the transport carries (Node: <c>transport.sid</c>). Node sets it on a session's first
    /// transport only (an upgraded WebSocket's is <c>undefined</c> there); here every transport of a session has it.
    /// </summary>
    public string Sid => _transport.Sid ?? string.Empty;

    /// <summary>The Engine.IO protocol revision the transport speaks (Node: <c>transport.protocol</c>): 4, or 3.</summary>
    public int Protocol => _transport.Protocol;

    /// <summary>
    /// Whether an upgrade replaced this transport (Node: <c>transport.discarded</c>): it is closed, or closing
    /// without waiting for the client.
    /// </summary>
    public bool Discarded => _transport.Discarded;

    /// <summary>
    /// The transport's state (Node: <c>transport.readyState</c>, <c>open</c>, <c>closing</c> or <c>closed</c>); never
    /// <see cref="EngineIoReadyState.Opening"/>. A transport closes with its session, or when an upgrade replaces it.
    /// </summary>
    public EngineIoReadyState ReadyState => _transport.IsClosed
        ? EngineIoReadyState.Closed
        : _transport.IsOpen ? EngineIoReadyState.Open : EngineIoReadyState.Closing;

    /// <summary>
    /// Closes the transport (Node: <c>transport.close()</c>). On the session's current transport this ends the
    /// session as a client that went away does, with <see cref="EngineIoCloseReasons.TransportClose"/>: polling
    /// answers the pending GET (or the next one, waiting at most <see cref="EngineIoOptions.PollingCloseTimeout"/>)
    /// with a close packet; WebSocket sends its close frame and ends when the client answers it (or after a grace
    /// period). Packets queued meanwhile may not reach the client. A closed or discarded transport ignores it. To close a session in order (buffered
    /// packets first), use <see cref="EngineIoSocket.Close"/> (Socket.IO: <c>socket.disconnect(true)</c>).
    /// </summary>
    /// <remarks>
    /// Node's <c>transport.discard()</c> is not offered: it only tells a polling transport not to wait for the
    /// client when it closes, which the upgrade needs and nothing else does (a live transport marked so would drop
    /// the close packet the client is owed).
    /// </remarks>
    public void Close() => _transport.Close();
}
