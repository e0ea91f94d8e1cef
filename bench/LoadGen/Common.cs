using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace SocketIo.Bench;

/// <summary>Command line: <c>--name value</c> pairs.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public Options(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument {a}");
            }

            var key = a[2..];
            var value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "1";
            _values[key] = value;
        }
    }

    public string Str(string key, string def) => _values.TryGetValue(key, out var v) ? v : def;

    public string? StrOrNull(string key) => _values.TryGetValue(key, out var v) ? v : null;

    public int Int(string key, int def) => _values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : def;

    public double Dbl(string key, double def) => _values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : def;

    public bool Has(string key) => _values.ContainsKey(key);
}

/// <summary>CPU time and RSS of a process, from /proc.</summary>
internal readonly record struct ProcSample(long CpuTicks, long RssKb, long Timestamp)
{
    public static long ClockTicksPerSecond { get; set; } = 100;

    public static ProcSample Read(int pid)
    {
        var ts = Stopwatch.GetTimestamp();
        if (pid <= 0)
        {
            return new ProcSample(0, 0, ts);
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Field 2 (comm) may contain spaces: parse after the last ')'. Fields from there start at 3 (state).
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
            long rss = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    break;
                }
            }

            return new ProcSample(utime + stime, rss, ts);
        }
        catch (IOException)
        {
            return new ProcSample(0, 0, ts);
        }
    }

    /// <summary>CPU microseconds between two samples.</summary>
    public static double CpuUs(ProcSample a, ProcSample b) => (b.CpuTicks - a.CpuTicks) * 1e6 / ClockTicksPerSecond;

    public static double Seconds(ProcSample a, ProcSample b) => Stopwatch.GetElapsedTime(a.Timestamp, b.Timestamp).TotalSeconds;

    /// <summary>CPU use in percent of one core between two samples.</summary>
    public static double CpuPct(ProcSample a, ProcSample b)
    {
        var s = Seconds(a, b);
        return s > 0 ? CpuUs(a, b) / 1e4 / s : 0;
    }
}

/// <summary>The processes we watch: server(s) and ourselves.</summary>
internal sealed class Watch
{
    private readonly int _pid;
    private readonly int _pid2;
    private readonly int _self = Environment.ProcessId;

    public Watch(int pid, int pid2)
    {
        _pid = pid;
        _pid2 = pid2;
    }

    public Snapshot Take() => new(ProcSample.Read(_pid), ProcSample.Read(_pid2), ProcSample.Read(_self));

    public long ServerRssKb() => ProcSample.Read(_pid).RssKb;

    public bool HasServer => _pid > 0;

    public bool HasServer2 => _pid2 > 0;

    /// <summary>Adds server CPU/RSS and generator CPU between two snapshots to <paramref name="o"/>.</summary>
    public void Describe(JsonObject o, Snapshot a, Snapshot b)
    {
        o["seconds"] = Math.Round(ProcSample.Seconds(a.Server, b.Server), 3);
        if (HasServer && a.Server.CpuTicks > 0 && b.Server.CpuTicks > 0)
        {
            o["serverCpuUs"] = Math.Round(ProcSample.CpuUs(a.Server, b.Server));
            o["serverCpuPct"] = Math.Round(ProcSample.CpuPct(a.Server, b.Server), 1);
            o["serverRssKb"] = b.Server.RssKb;
        }

        if (HasServer2 && a.Server2.CpuTicks > 0 && b.Server2.CpuTicks > 0)
        {
            o["server2CpuUs"] = Math.Round(ProcSample.CpuUs(a.Server2, b.Server2));
            o["server2CpuPct"] = Math.Round(ProcSample.CpuPct(a.Server2, b.Server2), 1);
            o["server2RssKb"] = b.Server2.RssKb;
        }

        o["genCpuPct"] = Math.Round(ProcSample.CpuPct(a.Self, b.Self), 1);
    }
}

internal readonly record struct Snapshot(ProcSample Server, ProcSample Server2, ProcSample Self);

/// <summary>Latency samples in Stopwatch ticks; percentiles by sorting.</summary>
internal sealed class Samples
{
    private long[] _items = new long[1024];

    public int Count { get; private set; }

    public void Add(long ticks)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = ticks;
    }

    public static Samples Merge(IEnumerable<Samples> parts)
    {
        var all = new Samples();
        foreach (var p in parts)
        {
            if (all._items.Length < all.Count + p.Count)
            {
                Array.Resize(ref all._items, Math.Max(all._items.Length * 2, all.Count + p.Count));
            }

            Array.Copy(p._items, 0, all._items, all.Count, p.Count);
            all.Count += p.Count;
        }

        Array.Sort(all._items, 0, all.Count);
        return all;
    }

    /// <summary>Percentile (0..100) in microseconds; the list must be sorted (see <see cref="Merge"/>).</summary>
    public double PercentileUs(double p)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var idx = (int)Math.Ceiling(p / 100.0 * Count) - 1;
        idx = Math.Clamp(idx, 0, Count - 1);
        return Math.Round(_items[idx] * 1e6 / Stopwatch.Frequency, 1);
    }

    public void Describe(JsonObject o, string prefix)
    {
        o[prefix + "Samples"] = Count;
        if (Count == 0)
        {
            return;
        }

        o[prefix + "P50Us"] = PercentileUs(50);
        o[prefix + "P99Us"] = PercentileUs(99);
        o[prefix + "P999Us"] = PercentileUs(99.9);
        o[prefix + "MaxUs"] = PercentileUs(100);
    }
}

/// <summary>Run-wide settings and error accounting.</summary>
internal sealed class Ctx
{
    private int _errors;
    private readonly ConcurrentDictionary<IPEndPoint, byte[]> _upgrade = new();
    private string? _firstError;

    public Ctx(Options o, Loop loop)
    {
        Loop = loop;
        Host = o.Str("host", "127.0.0.1");
        Port = o.Int("port", 3000);
        Server = new IPEndPoint(IPAddress.Parse(Host), Port);
        var sources = o.Int("sources", 0);
        Sources = [];
        if (sources > 0)
        {
            // 127.0.0.2 … 127.0.0.(1+n): simple and enough for n ≤ 250.
            Sources = Enumerable.Range(2, Math.Min(sources, 250)).Select(i => IPAddress.Parse($"127.0.0.{i}")).ToArray();
        }

        Path = o.Str("path", "/socket.io/");
        Watch = new Watch(o.Int("pid", 0), o.Int("pid2", 0));
    }

    public Loop Loop { get; }

    public string Host { get; }

    public int Port { get; }

    public IPEndPoint Server { get; }

    public IPAddress[] Sources { get; }

    public string Path { get; }

    public Watch Watch { get; }

    public int Errors => Volatile.Read(ref _errors);

    public string? FirstError => _firstError;

    /// <summary>The HTTP/1.1 WebSocket upgrade request for <paramref name="server"/> (fixed key; the accept value is not checked).</summary>
    public byte[] UpgradeRequest(IPEndPoint server) => _upgrade.GetOrAdd(server, e => Encoding.ASCII.GetBytes(
        $"GET {Path}?EIO=4&transport=websocket HTTP/1.1\r\nHost: {e}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));

    public IPAddress? SourceFor(int i) => Sources.Length == 0 ? null : Sources[i % Sources.Length];

    public void Error(string message)
    {
        if (Interlocked.Increment(ref _errors) == 1)
        {
            _firstError = message;
        }

        if (_errors <= 5)
        {
            Log("error: " + message);
        }
    }

    public static void Log(string message) => Console.Error.WriteLine($"[loadgen {DateTime.UtcNow:HH:mm:ss.fff}] {message}");
}
