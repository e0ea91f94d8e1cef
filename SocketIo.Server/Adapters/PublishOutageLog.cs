using Microsoft.Extensions.Logging;
using SocketIo.Server.Diagnostics;

namespace SocketIo.Server.Adapters;

/// <summary>
/// Reports failed cluster publishes as outages rather than one warning per message: the first failure with its
/// exception, then at most one summary per interval that counts the failures (<see cref="LogThrottle"/>), and one line
/// when a publish issued after the outage began succeeds again. At 100 broadcasts/s a 10 s Redis outage costs three
/// lines instead of a thousand stack traces.
/// </summary>
internal sealed class PublishOutageLog(ILogger logger, string @namespace, TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private long _sequence;
    private Outage? _outage;

    /// <summary>Numbers a publish when it is issued, so that late successes of publishes issued before an outage do not end it.</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public void Failed(long sequence, int type, Exception error)
    {
        long failedSinceLastLine;
        TimeSpan elapsed;
        lock (_gate)
        {
            if (_outage is null)
            {
                var throttle = new LogThrottle(time, interval);
                throttle.ShouldLog(out _);
                _outage = new Outage(throttle, time.GetTimestamp(), sequence) { Failures = 1 };
                failedSinceLastLine = -1;
                elapsed = TimeSpan.Zero;
            }
            else
            {
                _outage.Failures++;
                if (!_outage.Throttle.ShouldLog(out var suppressed))
                {
                    return;
                }

                failedSinceLastLine = suppressed + 1;
                elapsed = time.GetElapsedTime(_outage.Started);
            }
        }

        if (failedSinceLastLine < 0)
        {
            ClusterAdapterLog.PublishFailed(logger, type, @namespace, error);
        }
        else
        {
            ClusterAdapterLog.PublishStillFailing(logger, failedSinceLastLine, @namespace, (long)elapsed.TotalSeconds, error.Message);
        }
    }

    public void Succeeded(long sequence)
    {
        if (Volatile.Read(ref _outage) is null)
        {
            return;
        }

        long failures;
        TimeSpan elapsed;
        lock (_gate)
        {
            if (_outage is null || sequence <= _outage.FirstSequence)
            {
                return;
            }

            failures = _outage.Failures;
            elapsed = time.GetElapsedTime(_outage.Started);
            _outage = null;
        }

        ClusterAdapterLog.PublishRecovered(logger, @namespace, failures, (long)elapsed.TotalSeconds);
    }

    private sealed class Outage(LogThrottle throttle, long started, long firstSequence)
    {
        public LogThrottle Throttle { get; } = throttle;
        public long Started { get; } = started;
        public long FirstSequence { get; } = firstSequence;
        public long Failures { get; set; }
    }
}
