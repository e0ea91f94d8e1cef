namespace SocketIo.Tests.Support;

/// <summary>
/// Bounded awaits for tasks that may themselves fail with a <see cref="TimeoutException"/> (such as
/// <c>SocketIoTimeoutException</c>): unlike <see cref="Signals.WithTimeout{T}"/>, the task's own exception
/// comes through unchanged, and only a task still running after <see cref="Signals.DefaultTimeout"/> fails the wait.
/// </summary>
internal static class SioWaits
{
    public static async Task<T> Within<T>(this Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Signals.DefaultTimeout);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Timed out after {Signals.DefaultTimeout.TotalSeconds} s waiting for {what}.", ex);
        }
    }

    public static async Task Within(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(Signals.DefaultTimeout);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Timed out after {Signals.DefaultTimeout.TotalSeconds} s waiting for {what}.", ex);
        }
    }
}
