using SocketIo.Server.EngineIo;

namespace SocketIo.Server;

/// <summary>
/// What a socket shows of the connection it came over (Node: <c>socket.client</c>, a socket.io <c>Client</c>): one
/// per Engine.IO session, shared by the sockets it opened in each namespace, read-only. Node's <c>client</c> also
/// decodes, writes and closes; here those stay with the server, so that user code cannot write outside the framing of
/// a namespace or close a connection behind its other sockets' backs (use <see cref="SocketIoSocket.DisconnectAsync"/>).
/// </summary>
public sealed class SocketIoClient
{
    private readonly ClientConnection _connection;
    private readonly NamespaceSockets _sockets;
    private ConnectionSocketsView? _byId;
    private ConnectionSocketsView? _byNamespace;

    internal SocketIoClient(ClientConnection connection, NamespaceSockets sockets)
    {
        _connection = connection;
        _sockets = sockets;
    }

    /// <summary>The Engine.IO session, read-only (Node: <c>client.conn</c>); the same object as <see cref="SocketIoSocket.Conn"/>.</summary>
    public EngineIoConnection Conn => _connection.View;

    /// <summary>The HTTP request that opened the connection (Node: <c>client.request</c>); the same as <see cref="SocketIoSocket.Request"/>.</summary>
    public EngineIoRequest Request => _connection.Conn.Request;

    /// <summary>
    /// The connected sockets of this connection by socket id, one per namespace joined (Node: <c>client.sockets</c>):
    /// a live, read-only view; a socket is in it from its connection to its disconnection.
    /// </summary>
    public IReadOnlyDictionary<string, SocketIoSocket> Sockets =>
        _byId ?? LazyInitializer.EnsureInitialized(ref _byId, () => new ConnectionSocketsView(_sockets, static s => s.Id));

    /// <summary>
    /// The same sockets by namespace name, e.g. <c>/</c> or <c>/chat</c> (Node: <c>client.nsps</c>): a live, read-only
    /// view.
    /// </summary>
    public IReadOnlyDictionary<string, SocketIoSocket> Namespaces =>
        _byNamespace ?? LazyInitializer.EnsureInitialized(ref _byNamespace, () => new ConnectionSocketsView(_sockets, static s => s.Namespace.Name));
}
