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
}
