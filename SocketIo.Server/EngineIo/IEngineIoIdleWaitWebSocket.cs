namespace SocketIo.Server.EngineIo;

/// <summary>
/// A WebSocket engine whose wait for the next frame can be had apart from the receive. An idle session spends its
/// life in that wait: a receive pending meanwhile holds its state machine and its cancellation registration
/// (≈ 400 bytes per connection), a wait on the socket's readiness nothing beyond it. The Engine.IO transport waits
/// here first, then receives what has arrived; it aborts the WebSocket itself where it would have cancelled a pending
/// receive, so the wait takes no token.
/// </summary>
public interface IEngineIoIdleWaitWebSocket
{
    /// <summary>
    /// Completes when a receive would find input, the end of the stream or a failure (at once when it already would;
    /// the receive then reports what it finds), or when the WebSocket is aborted. May complete with the socket's
    /// exception; the receive after it reports the failure as a <see cref="System.Net.WebSockets.WebSocketException"/>.
    /// </summary>
    ValueTask WaitToReceiveAsync();

    /// <summary>
    /// Called when <see cref="WaitToReceiveAsync"/> has completed: true when the peer ended the connection between
    /// messages without a close frame (the WebSocket is then aborted, and nothing is left to receive). A client that
    /// just goes away is the commonest end of a session; found here, it costs no exception (a receive reports it as
    /// one, thrown through every await of the receive). False otherwise: the receive reports what it finds.
    /// </summary>
    bool EndedWithoutClose();
}
