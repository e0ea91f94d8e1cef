namespace SocketIo.Server.Hosting;

/// <summary>
/// When the server gives back the memory of sessions that closed in large numbers: one full, compacting garbage
/// collection once the count of open sessions has fallen by half and settled. Without it a server that goes quiet
/// after a mass disconnect keeps that memory, since it allocates too little to start a full collection. Turned on, and configured, by <c>AddSocketIo().AddMemoryRelease(o =&gt; …)</c>.
/// </summary>
public sealed class SocketIoMemoryReleaseOptions
{
    /// <summary>Whether a full garbage collection follows a mass disconnect (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How many sessions must have closed since the high-water mark, which they must have halved at least, before
    /// memory is released (default 1,000): ordinary churn never triggers it. The count must also have settled: moved
    /// by no more than a tenth of this between two looks.
    /// </summary>
    public int MinimumClosedSessions { get; set; } = 1000;

    /// <summary>
    /// How often the session count is looked at (default 2 s). A release waits until the count has stayed put for one
    /// interval, so that it follows the last of the closes and not a wave of clients reconnecting.
    /// </summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>What is wrong with these options, if anything.</summary>
    internal List<string> GetErrors()
    {
        var errors = new List<string>();
        if (MinimumClosedSessions < 1)
        {
            errors.Add($"MinimumClosedSessions must be at least 1 (was {MinimumClosedSessions}).");
        }

        // A timer takes at most uint.MaxValue - 1 milliseconds.
        if (CheckInterval <= TimeSpan.Zero || CheckInterval.TotalMilliseconds > uint.MaxValue - 1)
        {
            errors.Add($"CheckInterval must be positive and at most 49 days (was {CheckInterval}).");
        }

        return errors;
    }
}
