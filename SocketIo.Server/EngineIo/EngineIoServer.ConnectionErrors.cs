namespace SocketIo.Server.EngineIo;

public sealed partial class EngineIoServer
{
    // Copy-on-write: a refused request reads it without a lock.
    private readonly object _connectionErrorSync = new();
    private Func<EngineIoConnectionError, ValueTask>[] _connectionErrorListeners = [];

    /// <summary>
    /// Listens to refused requests: bad sids, transports, handshakes, origins… with the reference's code, message and
    /// context (Node: <c>io.engine.on("connection_error", err => …)</c>). Reachable from a Socket.IO server as
    /// <c>io.Engine.OnConnectionError(…)</c>.
    /// </summary>
    public EngineIoServer OnConnectionError(Func<EngineIoConnectionError, ValueTask> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_connectionErrorSync)
        {
            Volatile.Write(ref _connectionErrorListeners, [.. _connectionErrorListeners, listener]);
        }

        return this;
    }

    private void RaiseConnectionError(EngineIoConnectionError error)
    {
        foreach (var listener in Volatile.Read(ref _connectionErrorListeners))
        {
            _ = RunConnectionErrorListenerAsync(listener, error);
        }
    }

    private async Task RunConnectionErrorListenerAsync(Func<EngineIoConnectionError, ValueTask> listener, EngineIoConnectionError error)
    {
        try
        {
            await listener(error).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_logger, ex);
        }
    }
}
