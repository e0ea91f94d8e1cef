namespace SocketIo.Tests.Support;

/// <summary>
/// Bounded waits for integration tests. Every wait has a timeout, so a missing signal fails the test with a
/// message instead of hanging it; nothing here sleeps to let time pass (time is driven by FakeTimeProvider).
/// </summary>
internal static class Signals
{
    /// <summary>The bound on every wait in the tests.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Awaits <paramref name="task"/>, failing with a readable message after <see cref="DefaultTimeout"/>.</summary>
    public static async Task<T> WithTimeout<T>(this Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {DefaultTimeout.TotalSeconds} s waiting for {what}.");
        }
    }

    /// <summary>Awaits <paramref name="task"/>, failing with a readable message after <see cref="DefaultTimeout"/>.</summary>
    public static async Task WithTimeout(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {DefaultTimeout.TotalSeconds} s waiting for {what}.");
        }
    }

    /// <summary>
    /// Waits until a server-side condition that raises no event becomes true (for example "a GET is now pending
    /// on the server"). It yields between checks and never sleeps; it is bounded by <see cref="DefaultTimeout"/>.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + DefaultTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {DefaultTimeout.TotalSeconds} s waiting until {what}.");
            }

            await Task.Yield();
        }
    }
}
