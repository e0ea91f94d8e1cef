using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.EngineIo;
using SocketIo.Server.Protocol;
using SocketIo.Server.Protocol.V4;

namespace SocketIo.Server;

/// <summary>
/// One Engine.IO session seen from Socket.IO (Node: socket.io <c>Client</c>): decodes packets, multiplexes them over
/// namespaces, enforces the connection rules, and writes every outgoing packet through the session's single queue.
/// </summary>
internal sealed class ClientConnection
{
    private readonly SocketIoServer _server;
    private readonly ISocketIoPacketDecoder _decoder;
    // The built-in decoders check every packet as they decode it; a custom one's packets are checked here.
    private readonly bool _decoderIsBuiltIn;
    private readonly NamespaceSockets _namespaces = new();
    // Dropped once a namespace is joined: a connection that lives for hours should not keep a spent timer.
    private ITimer? _connectTimeout;
    private EngineIoConnection? _view;
    private SocketIoClient? _client;
    private int _closed;

    public ClientConnection(SocketIoServer server, EngineIoSocket conn)
    {
        _server = server;
        Conn = conn;
        _decoder = server.Parser.CreateDecoder(server.Options)
            ?? throw new InvalidOperationException($"The {server.Parser.Name} parser's CreateDecoder returned null.");
        _decoderIsBuiltIn = server.Parser.IsBuiltIn;
        // If no namespace is joined within connectTimeout, the connection is closed (client.ts setup).
        _connectTimeout = server.TimeProvider.CreateTimer(
            static s => ((ClientConnection)s!).OnConnectTimeout(),
            this,
            server.Options.ConnectTimeout,
            Timeout.InfiniteTimeSpan);
    }

    public EngineIoSocket Conn { get; }

    /// <summary>
    /// A socket.io 2.x client (Engine.IO v3) is connected to <c>/</c> without asking (Node: server <c>onconnection</c>
    /// calls <c>client.connect("/")</c> when <c>conn.protocol === 3</c>). Queued, so that it runs once the session is
    /// handed over and its handshake is answered (the CONNECT is never in the handshake poll's response, as in Node,
    /// where the namespace join completes asynchronously).
    /// </summary>
    public void ConnectRootIfLegacy()
    {
        if (Conn.Protocol == 3)
        {
            Conn.WhenOpenSent(() => ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.ConnectAsync("/", []), this, preferLocal: false));
        }
    }

    /// <summary>The read-only view that every socket of this connection shows as <c>socket.Conn</c>; made on first use.</summary>
    public EngineIoConnection View => _view ?? LazyInitializer.EnsureInitialized(ref _view, () => new EngineIoConnection(Conn));

    /// <summary>The read-only view that every socket of this connection shows as <c>socket.Client</c>; made on first use.</summary>
    public SocketIoClient ClientView => _client ?? LazyInitializer.EnsureInitialized(ref _client, () => new SocketIoClient(this, _namespaces));

    public IEnumerable<SocketIoSocket> Sockets => _namespaces.Snapshot;

    private void OnConnectTimeout()
    {
        if (_namespaces.IsEmpty)
        {
            Close();
        }
    }

    /// <summary>An Engine.IO message arrived. Decodes inline; user code is only ever started, never awaited.</summary>
    public void OnMessage(EngineMessage message)
    {
        SocketIoPacket? packet;
        try
        {
            packet = message.IsBinary
                ? _decoder.AddBinary(message.Data)
                : _decoder.AddText(message.Data.Span);
        }
        catch (Exception ex) when (ex is SocketIoProtocolException || !_decoderIsBuiltIn)
        {
            // A custom decoder is outside code fed by a client: whatever it throws closes only this connection.
            SocketIoServer.LogProtocolError(_server.Logger, Conn.Id, ex.Message);
            OnError(ex);
            return;
        }

        if (packet is null)
        {
            return;
        }

        if (!_decoderIsBuiltIn && DecodedPacketRules.ProblemOf(packet) is { } problem)
        {
            SocketIoServer.LogProtocolError(_server.Logger, Conn.Id, problem);
            OnError(new SocketIoProtocolException(problem));
            return;
        }

        OnDecoded(packet);
    }

    private void OnDecoded(SocketIoPacket packet)
    {
        // A 2.x client's CONNECT names "/nsp?query": the query is its auth (client.ts _parseNamespace).
        var (name, auth) = Conn.Protocol == 3 ? LegacyProtocol.ParseNamespace(packet.Namespace) : (packet.Namespace, packet.Data as JObject);
        var socket = _namespaces.Find(name);
        if (socket is null && packet.Type == SocketIoPacketType.Connect)
        {
            _ = ConnectAsync(name, auth);
        }
        else if (socket is not null && packet.Type is not (SocketIoPacketType.Connect or SocketIoPacketType.ConnectError))
        {
            socket.OnPacket(packet);
        }
        else
        {
            // A packet for a namespace not joined, a second CONNECT, or a CONNECT_ERROR from the client (client.ts ondecoded).
            SocketIoServer.LogInvalidState(_server.Logger, Conn.Id, (int)packet.Type, packet.Namespace);
            Close();
        }
    }

    /// <param name="name">The namespace.</param>
    /// <param name="auth">The CONNECT packet's auth payload; null for none (the socket's <c>{}</c> is made if asked for).</param>
    private async Task ConnectAsync(string name, JObject? auth)
    {
        try
        {
            // A child namespace emptied and removed while this client was looking it up is looked up (created) again.
            while (true)
            {
                // A namespace that exists needs no handshake request: nothing to allocate for it.
                var nsp = _server.FindNamespace(name)
                    ?? await _server.ResolveNamespaceAsync(name, new SocketIoHandshakeRequest(Conn.Request, auth ??= [])).ConfigureAwait(false);
                if (nsp is null)
                {
                    WritePacket(new SocketIoPacket(SocketIoPacketType.ConnectError, name, new JObject { ["message"] = "Invalid namespace" }));
                    return;
                }

                if (await nsp.AddAsync(this, auth).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            SocketIoServer.LogHandlerFailed(_server.Logger, "namespace connection", name, Conn.Id, ex);
        }
    }

    public void OnSocketConnected(SocketIoNamespace nsp, SocketIoSocket socket)
    {
        _namespaces.Set(socket);
        Interlocked.Exchange(ref _connectTimeout, null)?.Dispose();
    }

    public void Remove(SocketIoSocket socket)
    {
        _namespaces.Remove(socket);
    }

    public void WritePacket(SocketIoPacket packet) => WriteToEngine(_server.Parser.EncodeFrames(packet, compress: true), isVolatile: false);

    /// <summary>
    /// Queues encoded packets on the session (Node: <c>client.writeToEngine</c>); volatile ones are dropped when the
    /// transport is busy or the session is at its outbound limit, and a write that does not fit that limit closes the
    /// session (<see cref="EngineIoSocket.Write(IReadOnlyList{EnginePacket}, bool, Action{EngineIoTransportInfo})"/>). Says whether they were queued, so that a broadcast can report the
    /// sockets it did not reach.
    /// </summary>
    public EngineWriteResult WriteToEngine(IReadOnlyList<EnginePacket> packets, bool isVolatile) => Conn.Write(packets, isVolatile);

    /// <summary>Disconnects every namespace, then closes the connection (Node: <c>client._disconnect</c>).</summary>
    public void DisconnectAll()
    {
        foreach (var socket in _namespaces.Snapshot)
        {
            socket.Disconnect(close: false);
        }

        Close();
    }

    /// <summary>Closes the Engine.IO session (Node: <c>client.close</c>).</summary>
    public void Close()
    {
        if (Conn.ReadyState == EngineIoReadyState.Open)
        {
            Conn.Close();
            OnClose(DisconnectReason.ForcedServerClose);
        }
    }

    /// <summary>A protocol error: every socket hears of it, then the session closes (Node: <c>client.onerror</c>).</summary>
    private void OnError(Exception error)
    {
        foreach (var socket in _namespaces.Snapshot)
        {
            socket.OnProtocolError(error);
        }

        Conn.Close();
    }

    /// <summary>The session closed (Node: <c>client.onclose</c>): every socket leaves with the reason and its description.</summary>
    public void OnClose(DisconnectReason reason, string? description = null)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _connectTimeout, null)?.Dispose();
        foreach (var socket in _namespaces.Snapshot)
        {
            socket.OnClose(reason, description);
        }

        _namespaces.Clear();
        try
        {
            _decoder.Reset();
        }
        catch (Exception ex) when (!_decoderIsBuiltIn)
        {
            SocketIoServer.LogProtocolError(_server.Logger, Conn.Id, "the decoder failed to reset: " + ex.Message);
        }
    }

    /// <summary>Server shutdown: every socket leaves with "server shutting down" (Node: <c>io.close()</c>).</summary>
    public void OnServerShutdown()
    {
        foreach (var socket in _namespaces.Snapshot)
        {
            socket.OnClose(DisconnectReason.ServerShuttingDown);
        }
    }
}
