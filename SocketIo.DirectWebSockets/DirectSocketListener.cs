using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using SocketIo.Server;
using SocketIo.Server.EngineIo;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// Kestrel's listener for an endpoint marked with <c>UseDirectWebSockets</c>. It accepts the sockets itself and
/// peeks at the first bytes: a new Engine.IO WebSocket session that <see cref="DirectWebSocketAdmission"/> accepts is
/// answered here and runs on a <see cref="SocketWebSocket"/> straight on the socket; every other connection (polling,
/// other paths, TLS, a head split over several packets) is handed to Kestrel untouched, with all its bytes still
/// unread: on the event loop as a <see cref="LoopConnection"/>, or without one as Kestrel's socket transport would
/// have made it. With the loop on, the listening socket is accepted from the loop too.
/// </summary>
/// <remarks>
/// Why not Kestrel's transport for those sessions: per idle WebSocket, its connection (two pipes, receiver, sender,
/// send and receive loops, the connection's bookkeeping) plus ManagedWebSocket over it cost about 4 KB, a third of
/// what a session costs; a socket with one pending zero-byte receive costs a few hundred bytes.
/// <para>Connections count against Kestrel's <c>MaxConcurrentConnections</c> from accept to close, direct sessions
/// and handed-over connections alike (those are counted by Kestrel again); past it, new sockets are closed at once,
/// as Kestrel does.</para>
/// </remarks>
internal sealed partial class DirectSocketListener : IConnectionListener
{
    private readonly Socket _listenSocket;
    private readonly SocketIoServer _server;
    private readonly DirectWebSocketAdmission _admission;
    private readonly SocketConnectionContextFactory _handOver;
    private readonly LoopConnectionOptions _loopConnections;
    private readonly bool _noDelay;
    private readonly long _limit;
    private readonly ILogger _logger;
    private readonly TimeProvider _time; // the server's: accept retries, the first request's wait, the drain at shutdown
    private readonly Channel<ConnectionContext> _forKestrel = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<Socket, DirectSocketIo> _direct = []; // sockets this listener still owns (peeking or serving), for shutdown
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private readonly LogThrottle _refusedLog;
    private readonly LogThrottle _acceptFailedLog;
    private readonly Action<Socket> _socketClosed; // one delegate for every session's SocketWebSocket
    private DirectSocketIo? _listenIo; // the listening socket on a loop, when the event loop is on
    private long _open;
    private long _directSessions;
    private bool _unbound;

    public DirectSocketListener(
        Socket listenSocket,
        SocketIoServer server,
        DirectWebSocketAdmission admission,
        SocketConnectionContextFactory handOver,
        LoopConnectionOptions loopConnections,
        bool noDelay,
        long? limit,
        ILogger logger)
    {
        _listenSocket = listenSocket;
        _server = server;
        _admission = admission;
        _handOver = handOver;
        _loopConnections = loopConnections;
        _noDelay = noDelay;
        _limit = limit ?? long.MaxValue;
        _logger = logger;
        _time = server.Options.TimeProvider;
        _refusedLog = new LogThrottle(_time, TimeSpan.FromSeconds(10));
        _acceptFailedLog = new LogThrottle(_time, TimeSpan.FromSeconds(10));
        _socketClosed = Released;
        EndPoint = listenSocket.LocalEndPoint!;
        AcceptLoop = AcceptLoopAsync();
    }

    public EndPoint EndPoint { get; }

    /// <summary>The accept loop: ends once the listener is unbound.</summary>
    internal Task AcceptLoop { get; }

    /// <summary>Whether the listening socket is on an event loop (accepted with <c>accept4</c> when the loop says so).</summary>
    internal bool AcceptsOnEventLoop => _listenIo is not null;

    /// <summary>Connections open right now (direct and handed over).</summary>
    internal long OpenConnections => Interlocked.Read(ref _open);

    /// <summary>Sessions served on a <see cref="SocketWebSocket"/> so far.</summary>
    internal long DirectSessions => Interlocked.Read(ref _directSessions);

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _forKestrel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null; // unbound
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        lock (_direct)
        {
            _unbound = true;
        }

        _listenIo?.Close(); // a pending accept fails, and the loop stops watching the socket
        _listenSocket.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Stops listening, gives open sessions a moment to finish the close the server began when the host started
    /// stopping, then closes whatever is left.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        lock (_direct)
        {
            if (_direct.Count == 0)
            {
                _drained.TrySetResult();
            }
        }

        await Task.WhenAny(_drained.Task, Task.Delay(DrainTimeout, _time)).ConfigureAwait(false);
        DirectSocketIo[] left;
        lock (_direct)
        {
            left = [.. _direct.Values];
        }

        foreach (var io in left)
        {
            io.Close();
        }

        _handOver.Dispose();
        _loopConnections.Pool.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        // On the event loop, the thread that learns of a connection accepts it and begins serving it (the peek, the
        // upgrade), as Node does; the runtime's accept would wake its epoll thread and a thread-pool worker for each.
        var onLoop = _admission.EventLoop ? DirectSocketIo.Create(_listenSocket, eventLoop: true) : null;
        _listenIo = onLoop is { OnEventLoop: true } ? onLoop : null;
        if (_listenIo is not null)
        {
            _listenSocket.Blocking = false; // accept4 must not wait: the loop says when to call it
        }

        var listenIo = _listenIo;
        while (true)
        {
            Socket socket;
            try
            {
                socket = listenIo is null ? await _listenSocket.AcceptAsync().ConfigureAwait(false) : await AcceptOnLoopAsync(listenIo).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException || (ex is SocketException { SocketErrorCode: SocketError.OperationAborted } && Volatile.Read(ref _unbound)))
            {
                break; // unbound
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                continue; // the client gave up while waiting in the backlog
            }
            catch (SocketException ex)
            {
                // Out of descriptors or buffers: say so now and then, and give closes a moment instead of spinning.
                if (_acceptFailedLog.ShouldLog(out var failed))
                {
                    LogAcceptFailed(_logger, failed, ex);
                }

                await Task.Delay(AcceptRetryDelay, _time).ConfigureAwait(false);
                continue;
            }

            if (Interlocked.Increment(ref _open) > _limit)
            {
                Interlocked.Decrement(ref _open);
                socket.Dispose();
                if (_refusedLog.ShouldLog(out var refused))
                {
                    LogConnectionRefused(_logger, _limit, refused);
                }

                continue;
            }

            _ = ServeAsync(socket);
        }

        _forKestrel.Writer.TryComplete();
    }

    /// <summary>The next connection, accepted with <c>accept4(2)</c> when the loop reports the listening socket ready.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<Socket> AcceptOnLoopAsync(DirectSocketIo listenIo)
    {
        while (true)
        {
            if (listenIo.AcceptNow(out var seen, out var errno) is { } socket)
            {
                return socket;
            }

            if (errno != DirectSocketIo.Eagain)
            {
                // The errors the runtime's accept reports, for the loop's handlers above.
                throw new SocketException((int)(errno switch
                {
                    103 => SocketError.ConnectionAborted, // ECONNABORTED
                    104 => SocketError.ConnectionReset,
                    9 or 22 => SocketError.OperationAborted, // EBADF, EINVAL: the listening socket closed
                    24 or 23 => SocketError.TooManyOpenSockets, // EMFILE, ENFILE
                    _ => SocketError.NoBufferSpaceAvailable, // ENOBUFS, ENOMEM and the rest: retried after a pause
                }));
            }

            await listenIo.WaitReadableAsync(seen).ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var io = DirectSocketIo.Create(socket, _admission.EventLoop);
        lock (_direct)
        {
            _direct.Add(socket, io);
        }

        var handedOver = false;
        SocketWebSocket? ws = null;
        try
        {
            if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            {
                socket.NoDelay = _noDelay;
            }

            var (session, deflate, upgrade, answered) = await TryOpenSessionAsync(io).ConfigureAwait(false);
            if (answered)
            {
                return; // answered 408 or 400; the finally closes it
            }

            if (session is null)
            {
                handedOver = HandOver(io);
                return;
            }

            Interlocked.Increment(ref _directSessions);
            ws = new SocketWebSocket(socket, _time, _socketClosed, deflate, io);
            // The 101 waits in the WebSocket's queue for the open packet the engine queues next: on the loop both go
            // out in one write at the end of its batch, one segment for the client to read (uWebSockets.js corks them).
            ws.QueueRaw(upgrade!);
            await _server.Engine.ServeWebSocketAsync(session, ws, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away (or the listener closed it at shutdown): nothing to answer, nothing to log.
        }
        catch (Exception ex)
        {
            LogSessionFailed(_logger, ex);
        }
        finally
        {
            if (ws is not null)
            {
                // Closes the socket once a close frame still queued (the answer to the client's) is out, or at the
                // close timeout when the peer does not read; the connection counts until then (_socketClosed).
                ws.Dispose();
            }
            else if (!handedOver)
            {
                io.Close();
                Released(socket);
            }
        }
    }

    /// <summary>
    /// Peeks at the request; when it is a session this listener opens, consumes its head, answers 101 and returns the
    /// engine request and the permessage-deflate agreement. A connection that sent nothing within the headers timeout
    /// is answered 408, one with an invalid extension offer 400 (Answered). Otherwise returns no session, with nothing
    /// read.
    /// </summary>
    private async Task<(EngineIoRequest? Session, PerMessageDeflateParameters? Deflate, byte[]? Upgrade, bool Answered)> TryOpenSessionAsync(DirectSocketIo io)
    {
        var socket = io.Socket;
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            int peeked;
            if (io.OnEventLoop && io.ReceiveNow(buffer, out _, SocketFlags.Peek) is var now and >= 0)
            {
                // The head came with the connection, as it nearly always does: no headers timer to arm and disarm
                // (a cancellation source, a timer and a registration per connection).
                peeked = now;
            }
            else
            {
                using (var timeout = new CancellationTokenSource(_admission.HeadersTimeout, _time))
                {
                    try
                    {
                        peeked = await io.ReceiveAsync(buffer.AsMemory(), SocketFlags.Peek, timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Silent: answered as Node's HTTP server answers it (Kestrel would hold it for its keep-alive timeout,
                        // 130 s, and then close it without a word).
                        await SendRequestTimeoutAsync(io).ConfigureAwait(false);
                        return (null, null, null, true);
                    }
                }
            }

            // A head split over several packets, TLS, or anything else the parser does not accept goes to Kestrel.
            var request = peeked == 0 ? null : WebSocketHandshakeRequest.TryParse(new ReadOnlySequence<byte>(buffer, 0, peeked));
            if (request is null || _admission.Admit(request, _server.Engine, (socket.RemoteEndPoint as IPEndPoint)?.Address, secure: false) is not { } session)
            {
                return (null, null, null, false);
            }

            var negotiated = DirectWebSocketAdmission.TryNegotiateDeflate(request, _server.Engine, out var deflate);
            var engineOptions = _server.Engine.Options;
            if (deflate is not null && (engineOptions.PerMessageDeflateLevel is not null || engineOptions.PerMessageDeflateStrategy != System.IO.Compression.ZLibCompressionStrategy.Default))
            {
                deflate = deflate with
                {
                    Compression = new() { CompressionLevel = engineOptions.PerMessageDeflateLevel ?? 6, CompressionStrategy = engineOptions.PerMessageDeflateStrategy },
                };
            }

            for (var consumed = 0; consumed < request.Length;)
            {
                var read = await io.ReceiveAsync(buffer.AsMemory(0, (int)request.Length - consumed), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new SocketException((int)SocketError.ConnectionReset);
                }

                consumed += read;
            }

            if (!negotiated)
            {
                // Written at once where possible: the socket's asynchronous send would keep an event-args object
                // (≈ 300 bytes) on the connection for its lifetime.
                var refusal = DirectWebSocketAdmission.InvalidExtensionsResponse;
                for (var sent = NonBlockingSend.TrySend(socket, refusal.Span); sent < refusal.Length;)
                {
                    sent += await io.SendAsync(refusal[sent..]).ConfigureAwait(false);
                }

                return (null, null, null, true);
            }

            var upgrade = request.SwitchingProtocolsResponse(_server.Engine.HasHeadersListeners ? _server.Engine.WebSocketHandshakeHeaders(session) : null, deflate?.ResponseHeader);
            return (session, deflate, upgrade, false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the 408 to a silent connection; a peer that does not take 52 bytes within a second gets nothing.</summary>
    private async Task SendRequestTimeoutAsync(DirectSocketIo io)
    {
        var response = DirectWebSocketAdmission.RequestTimeoutResponse;
        var sent = NonBlockingSend.TrySend(io.Socket, response.Span);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (sent < response.Length)
            {
                sent += await io.SendAsync(response[sent..], timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The connection is closed next either way.
        }
    }

    /// <summary>
    /// Gives the socket to Kestrel: on the socket's event loop (<see cref="LoopConnection"/>), or without one as Kestrel's
    /// socket transport would have made it. False when the listener is closing.
    /// </summary>
    private bool HandOver(DirectSocketIo io)
    {
        var socket = io.Socket;
        lock (_direct)
        {
            if (_unbound)
            {
                return false;
            }

            _direct.Remove(socket);
        }

        ConnectionContext handed;
        if (io.OnEventLoop)
        {
            // Kestrel's HTTP stack over pipes that the loop fills and drains (LoopConnection).
            var onLoop = new LoopConnection(io, _loopConnections.Pool, _loopConnections.MaxReadBufferSize, _loopConnections.MaxWriteBufferSize);
            onLoop.Start();
            handed = onLoop;
        }
        else
        {
            handed = _handOver.Create(socket); // Kestrel's socket transport, through the runtime's sockets
        }

        var connection = new CountedConnection(handed, this);
        if (_forKestrel.Writer.TryWrite(connection))
        {
            return true;
        }

        // Kestrel stopped accepting between the check and the write: the connection is not anyone's.
        _ = connection.DisposeAsync().AsTask();
        return true;
    }

    private void Released(Socket? socket)
    {
        Interlocked.Decrement(ref _open);
        if (socket is null)
        {
            return;
        }

        lock (_direct)
        {
            _direct.Remove(socket);
            if (_direct.Count == 0 && _unbound)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>A handed-over connection that gives its place back when Kestrel disposes it.</summary>
    private sealed class CountedConnection(ConnectionContext inner, DirectSocketListener owner) : ConnectionContext
    {
        private int _released;

        public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }

        public override Microsoft.AspNetCore.Http.Features.IFeatureCollection Features => inner.Features;

        public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }

        public override System.IO.Pipelines.IDuplexPipe Transport { get => inner.Transport; set => inner.Transport = value; }

        public override CancellationToken ConnectionClosed { get => inner.ConnectionClosed; set => inner.ConnectionClosed = value; }

        public override EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }

        public override EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }

        public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

        public override void Abort() => inner.Abort();

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    owner.Released(null);
                }

                await base.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Accepting a connection failed ({Count} more failures since the last report)")]
    private static partial void LogAcceptFailed(ILogger logger, long count, Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Connection refused: {Limit} connections are open (MaxConcurrentConnections); {Count} refused since the last report")]
    private static partial void LogConnectionRefused(ILogger logger, long limit, long count);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error, Message = "A directly opened WebSocket session failed")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception);
}
