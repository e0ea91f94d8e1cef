using System.Globalization;
using System.Text.Json.Nodes;

namespace SocketIo.Bench;

/// <summary>
/// Load generator entry point. One scenario per process; prints one JSON object on stdout (progress on stderr).
/// Exit code 0 = every expected ack/delivery arrived and nothing failed, 1 = errors or inexact counts, 2 = bad usage.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: SocketIo.Bench.LoadGen --scenario echo|binary|poll|storm|fanout|paced [options]
          --host 127.0.0.1 --port N      server (required)
          --pid N [--pid2 N]             server process(es) whose CPU/RSS is read from /proc
          --clk-tck 100                  clock ticks per second of /proc/<pid>/stat
          --timeout 300                  hard limit for the whole scenario, seconds
          echo/binary/poll: --clients 100 --inflight 1 --size 16|1024 --warmup 5 --duration 5 | --total N (exact count)
          storm: --conns 5000 --concurrency 200 --warmup-conns 100 --warmup-rounds 1 [--hold S] [--allow-partial] [--sources K] [--settle S]
          fanout: --room 1000 --burst 10 --warmup 3 --duration 5 | --bursts N, [--sender-port P --pid2 N] (Redis: sender on another server)
                  [--payload-size N] (an N-character string) [--slow K] (K more members that join, then never read)
          paced: --room 1000 --rate 20 --warmup 5 --duration 10 | --messages N, [--sender-port P]
        """;

    public static async Task<int> Main(string[] args)
    {
        Options o;
        try
        {
            o = new Options(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + "\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        var scenario = o.Str("scenario", string.Empty);
        if (!o.Has("port") || scenario.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        ProcSample.ClockTicksPerSecond = o.Int("clk-tck", 100);
        using var loop = new Loop();
        var ctx = new Ctx(o, loop);
        var metrics = new JsonObject();
        var timeout = TimeSpan.FromSeconds(o.Dbl("timeout", 300));
        try
        {
            var run = scenario switch
            {
                "echo" => Scenarios.EchoAsync(ctx, o, metrics, binary: false),
                "binary" => Scenarios.EchoAsync(ctx, o, metrics, binary: true),
                "poll" => Scenarios.PollAsync(ctx, o, metrics),
                "storm" => Scenarios.StormAsync(ctx, o, metrics),
                "fanout" => Scenarios.FanoutAsync(ctx, o, metrics),
                "paced" => Scenarios.PacedAsync(ctx, o, metrics),
                _ => throw new ArgumentException($"unknown scenario {scenario}"),
            };
            if (await Task.WhenAny(run, Task.Delay(timeout)).ConfigureAwait(false) != run)
            {
                ctx.Error($"scenario did not finish within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
            }
            else
            {
                await run.ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The result line must be printed whatever went wrong.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ctx.Error($"{ex.GetType().Name}: {ex.Message}");
        }

        var result = new JsonObject
        {
            ["scenario"] = scenario,
            ["ok"] = ctx.Errors == 0,
            ["errors"] = ctx.Errors,
            ["firstError"] = ctx.FirstError,
            ["metrics"] = metrics,
        };
        await Console.Out.WriteLineAsync(result.ToJsonString()).ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        return ctx.Errors == 0 ? 0 : 1;
    }
}
