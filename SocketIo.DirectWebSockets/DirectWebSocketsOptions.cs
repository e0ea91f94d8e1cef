namespace SocketIo.DirectWebSockets;

/// <summary>Options of the lean WebSocket engine (<c>AddDirectWebSockets(o => …)</c>).</summary>
public sealed class DirectWebSocketsOptions
{
    /// <summary>
    /// How long a new connection may stay silent: one that has sent nothing by then is answered
    /// <c>408 Request Timeout</c> with <c>Connection: close</c> and closed, as Node's HTTP server answers it after its
    /// <c>headersTimeout</c> (60 s by default in Node 20, checked every 30 s there, so Node takes 60–90 s). A connection
    /// that has sent part of a request is Kestrel's, under its own <c>Limits.RequestHeadersTimeout</c>. Default 60 s.
    /// </summary>
    public TimeSpan HeadersTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether the sessions this engine opens run on its own I/O threads (Linux x64; one per processor, at most 16),
    /// as Node's do on its event loop: the thread that sees a socket readable reads the message, runs the engine and
    /// the application's handler up to its first <c>await</c>, and writes the answers of every message it handled in
    /// that turn, each connection's in one system call. That saves the two or three thread switches per message of
    /// the runtime's sockets (their epoll thread hands each ready socket to the thread pool), which were a third of
    /// the CPU of a WebSocket echo. As in Node, a handler that blocks its thread (a synchronous database call,
    /// <c>.Result</c>) holds up the other connections of that thread until it returns: turn this off
    /// (<c>false</c>: the runtime's sockets and the thread pool) for an application whose handlers block. Default
    /// true; elsewhere than Linux x64 the runtime's sockets serve either way.
    /// <para>On, the endpoint's other connections run on the same threads: the accepts, and what is handed to Kestrel
    /// (long-polling, other paths, TLS), whose HTTP stack then runs inline on the loop, HTTP handlers included up to
    /// their first <c>await</c>.</para>
    /// </summary>
    public bool EventLoop { get; set; } = true;
}
