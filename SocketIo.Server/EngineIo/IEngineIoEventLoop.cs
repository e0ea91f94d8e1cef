namespace SocketIo.Server.EngineIo;

/// <summary>
/// The I/O event loop of a host that runs connections on its own threads (the lean engine,
/// <c>SocketIo.DirectWebSockets</c>). When a session's packets are handed to a long-polling GET by code running on one
/// of the loop's threads (a message's handler, acking), the engine has the GET's response written on that same thread,
/// once the loop has finished the events it is handling, instead of sending it to the thread pool: one thread hop less
/// per polled packet, and never inside the sender's own call (which may hold the session's lock).
/// </summary>
public interface IEngineIoEventLoop
{
    /// <summary>
    /// Runs <paramref name="work"/> with <paramref name="state"/> on the current thread after the loop's current batch
    /// of events; false (nothing queued) when the current thread is not one of the loop's.
    /// </summary>
    bool TryRunAfterBatch(Action<object?> work, object? state);
}
