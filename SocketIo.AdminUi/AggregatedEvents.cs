using Newtonsoft.Json.Linq;

namespace SocketIo.AdminUi;

/// <summary>
/// Counts of engine events per second and kind between two <c>server_stats</c> (Node's <c>EventBuffer</c> in
/// admin-ui's index.js): <c>{ timestamp, type, subType, count }</c>, the timestamp truncated to the second.
/// </summary>
internal sealed class AggregatedEvents(TimeProvider time)
{
    private readonly object _sync = new();
    private readonly Dictionary<(long Second, string Type, string? SubType), long> _counts = [];

    public void Push(string type, string? subType = null, long count = 1)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var key = (now - (now % 1000), type, subType);
        lock (_sync)
        {
            // Bounded: at most a handful of kinds (and close reasons) per second, emptied every StatsInterval.
            _counts[key] = _counts.GetValueOrDefault(key) + count;
        }
    }

    /// <summary>The counts so far, oldest second first, and a fresh start.</summary>
    public JArray TakeAll()
    {
        KeyValuePair<(long Second, string Type, string? SubType), long>[] taken;
        lock (_sync)
        {
            taken = [.. _counts];
            _counts.Clear();
        }

        var values = new JArray();
        foreach (var (key, count) in taken.OrderBy(static e => e.Key.Second))
        {
            var value = new JObject { ["timestamp"] = key.Second, ["type"] = key.Type };
            if (key.SubType is not null)
            {
                value["subType"] = key.SubType;
            }

            value["count"] = count;
            values.Add(value);
        }

        return values;
    }
}
