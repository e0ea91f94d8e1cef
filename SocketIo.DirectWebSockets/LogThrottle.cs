namespace SocketIo.DirectWebSockets;

/// <summary>
/// Lets a repeated warning through at most once per interval and counts the ones held back, so that a flood of the
/// same event (thousands of refused upgrades in a connection storm) costs a few log lines, not one per connection.
/// </summary>
internal sealed class LogThrottle(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private long _lastLogged = long.MinValue;
    private long _suppressed;

    /// <summary>True when this occurrence should be logged; <paramref name="suppressed"/> is how many were held back since the last one.</summary>
    public bool ShouldLog(out long suppressed)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_lastLogged != long.MinValue && time.GetElapsedTime(_lastLogged, now) < interval)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            _lastLogged = now;
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
