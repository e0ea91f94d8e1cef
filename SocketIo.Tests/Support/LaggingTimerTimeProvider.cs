using Microsoft.Extensions.Time.Testing;

namespace SocketIo.Tests.Support;

/// <summary>
/// A fake clock whose timers can be held back: <see cref="AdvanceClock"/> moves the clock alone, as when a timer
/// has expired but its callback is still queued on a busy thread pool; <see cref="Advance"/> moves both.
/// </summary>
internal sealed class LaggingTimerTimeProvider : TimeProvider
{
    private readonly FakeTimeProvider _clock = new();
    private readonly FakeTimeProvider _timers = new();

    public override long TimestampFrequency => _clock.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => _clock.GetUtcNow();

    public override long GetTimestamp() => _clock.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _timers.CreateTimer(callback, state, dueTime, period);

    /// <summary>Moves the clock and the timers (which fire as they fall due).</summary>
    public void Advance(TimeSpan delta)
    {
        _clock.Advance(delta);
        _timers.Advance(delta);
    }

    /// <summary>Moves the clock only: timers that fall due do not run.</summary>
    public void AdvanceClock(TimeSpan delta) => _clock.Advance(delta);
}
