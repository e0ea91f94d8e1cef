using SocketIo.Server.EngineIo;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// The lean engine's event loops as the engine sees them (<see cref="EngineIoServer.EventLoop"/>): work released on a
/// loop thread (a long-polling GET's response) runs on that thread at the end of its batch (<see cref="EpollLoop.RunAfterBatch"/>).
/// </summary>
internal sealed class EpollLoopContinuations : IEngineIoEventLoop
{
    public static EpollLoopContinuations Instance { get; } = new();

    public bool TryRunAfterBatch(Action<object?> work, object? state)
    {
        if (EpollLoop.Current is not { } loop)
        {
            return false;
        }

        loop.RunAfterBatch(work, state);
        return true;
    }
}
