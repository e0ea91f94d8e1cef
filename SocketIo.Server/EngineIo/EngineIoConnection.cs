using System.Net;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// What a Socket.IO socket shows of its Engine.IO session (Node: <c>socket.conn</c>): who it is, how it is carried
/// and in what state, read-only. Writes and closes go through the socket, so that user code cannot put packets
/// into a session outside the Socket.IO framing or end it behind the other namespaces' backs. (Closing the
/// transport, <see cref="EngineIoTransportInfo.Close"/>, is what a client that goes away does: every namespace
/// learns it, with <c>transport close</c>.)
/// </summary>
/// <remarks>Node's <c>conn</c> events are here too, with the session's semantics (<see cref="EngineIoSocket.OnUpgrade"/>
/// and the others): synchronous listeners, run once the session lock is released.</remarks>
public sealed class EngineIoConnection
{
    private readonly EngineIoSocket _session;

    internal EngineIoConnection(EngineIoSocket session) => _session = session;

    /// <summary>The Engine.IO session id (Node: <c>conn.id</c>); not the Socket.IO socket id.</summary>
    public string Id => _session.Id;

    /// <summary>
    /// The Engine.IO protocol revision the client speaks (Node: <c>conn.protocol</c>): 4, or 3 for a socket.io 2.x
    /// client admitted by <see cref="EngineIoOptions.AllowEIO3"/>.
    /// </summary>
    public int Protocol => _session.Protocol;

    /// <summary>
    /// The current transport's name, <c>polling</c> or <c>websocket</c> (Node: <c>conn.transport.name</c>); the same
    /// as <see cref="Transport"/>.<see cref="EngineIoTransportInfo.Name"/>.
    /// </summary>
    public string TransportName => _session.TransportName;

    /// <summary>
    /// The current transport, read-only (Node: <c>conn.transport</c>): <see cref="EngineIoTransportInfo.Name"/>,
    /// <see cref="EngineIoTransportInfo.Writable"/>, <see cref="EngineIoTransportInfo.ReadyState"/>. After an upgrade it
    /// is the WebSocket's; read it again rather than keeping it, as a view kept from before still describes polling.
    /// </summary>
    public EngineIoTransportInfo Transport => _session.Transport;

    /// <summary>The client address (Node: <c>conn.remoteAddress</c>).</summary>
    public IPAddress? RemoteAddress => _session.Request.RemoteAddress;

    /// <summary>The session state (Node: <c>conn.readyState</c>).</summary>
    public EngineIoReadyState ReadyState => _session.ReadyState;

    /// <summary>Whether the session moved from polling to WebSocket (Node: <c>conn.upgraded</c>).</summary>
    public bool Upgraded => _session.Upgraded;

    /// <summary>The HTTP request that opened the session (Node: <c>conn.request</c>).</summary>
    public EngineIoRequest Request => _session.Request;

    /// <inheritdoc cref="EngineIoSocket.Upgrading"/>
    public bool Upgrading => _session.Upgrading;

    /// <inheritdoc cref="EngineIoSocket.OnUpgrading"/>
    public EngineIoConnection OnUpgrading(Action<string> listener) => With(_session.OnUpgrading(listener));

    /// <inheritdoc cref="EngineIoSocket.OnUpgrade"/>
    public EngineIoConnection OnUpgrade(Action<string> listener) => With(_session.OnUpgrade(listener));

    /// <inheritdoc cref="EngineIoSocket.OnPacket"/>
    public EngineIoConnection OnPacket(Action<EngineIoPacketInfo> listener) => With(_session.OnPacket(listener));

    /// <inheritdoc cref="EngineIoSocket.OnPacketCreate"/>
    public EngineIoConnection OnPacketCreate(Action<EngineIoPacketInfo> listener) => With(_session.OnPacketCreate(listener));

    /// <summary>
    /// An Engine.IO message arrived (Node: <c>conn.on("message")</c>): the Socket.IO packet as the client encoded it
    /// (text, or one binary attachment), once Socket.IO has read it (its event handlers may still be running).
    /// <see cref="EngineMessage.Data"/> is valid only during the call.
    /// </summary>
    public EngineIoConnection OnMessage(Action<EngineMessage> listener) => With(_session.OnMessage(listener));

    /// <inheritdoc cref="EngineIoSocket.OnData"/>
    public EngineIoConnection OnData(Action<EngineMessage> listener) => With(_session.OnData(listener));

    /// <inheritdoc cref="EngineIoSocket.OnFlush"/>
    public EngineIoConnection OnFlush(Action<IReadOnlyList<EngineIoPacketInfo>> listener) => With(_session.OnFlush(listener));

    /// <inheritdoc cref="EngineIoSocket.OnHeartbeat"/>
    public EngineIoConnection OnHeartbeat(Action listener) => With(_session.OnHeartbeat(listener));

    /// <inheritdoc cref="EngineIoSocket.OnDrain"/>
    public EngineIoConnection OnDrain(Action listener) => With(_session.OnDrain(listener));

    /// <inheritdoc cref="EngineIoSocket.OnClose"/>
    public EngineIoConnection OnClose(Action<string, string?> listener) => With(_session.OnClose(listener));

    private EngineIoConnection With(EngineIoSocket _) => this;
}
