using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace SocketIo.Bench;

internal sealed record ConnectResult<T>(List<T> Ok, int Failed, string? FirstFailure, Samples Latency, double Seconds);

internal static class Scenarios
{
    private const string Room = "bench";

    /// <summary>Opens <paramref name="count"/> connections, at most <paramref name="concurrency"/> handshakes at a time; never hangs.</summary>
    public static async Task<ConnectResult<T>> ConnectManyAsync<T>(
        Ctx ctx, int count, Func<int, T> make, int concurrency, double perConnectionSeconds = 30, double overallSeconds = 240, int maxFailures = 0)
        where T : IClient
    {
        var ok = new List<T>(count);
        var latency = new Samples();
        var failed = 0;
        string? firstFailure = null;
        using var gate = new SemaphoreSlim(concurrency);
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(overallSeconds * Stopwatch.Frequency);
        var tasks = new List<Task>(count);
        var lastLog = started;
        for (var i = 0; i < count; i++)
        {
            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0 || !await gate.WaitAsync(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)).ConfigureAwait(false))
            {
                firstFailure ??= $"connect deadline ({overallSeconds} s) reached after {i} attempts";
                break;
            }

            if (Volatile.Read(ref failed) > maxFailures)
            {
                gate.Release();
                break;
            }

            if (Stopwatch.GetElapsedTime(lastLog).TotalSeconds >= 5)
            {
                lastLog = Stopwatch.GetTimestamp();
                Ctx.Log($"connecting: {i}/{count} started, {ok.Count} connected, {failed} failed");
            }

            tasks.Add(OneAsync(make(i), i));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new ConnectResult<T>(ok, failed, firstFailure, Samples.Merge([latency]), seconds);

        async Task OneAsync(T client, int i)
        {
            try
            {
                client.Start(ctx.SourceFor(i));
                await client.Connected.WaitAsync(TimeSpan.FromSeconds(perConnectionSeconds)).ConfigureAwait(false);
                lock (ok)
                {
                    ok.Add(client);
                    latency.Add(client.ConnectEnd - client.ConnectStart);
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException)
            {
                client.Close();
                if (Interlocked.Increment(ref failed) == 1)
                {
                    firstFailure = ex.Message;
                }
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private static void RequireAll<T>(Ctx ctx, ConnectResult<T> r, int expected, string what)
    {
        if (r.Ok.Count != expected)
        {
            ctx.Error($"{r.Ok.Count}/{expected} {what} connected ({r.Failed} failed: {r.FirstFailure})");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, double seconds)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        while (!condition() && Stopwatch.GetTimestamp() < until)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    private static double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);

    // ---------------------------------------------------------------------------------------------
    // Echo with ack: WebSocket text, WebSocket binary (1 KiB), polling
    // ---------------------------------------------------------------------------------------------

    private static EchoRun MakeEchoRun(bool binary, int size)
    {
        if (binary)
        {
            var data = new byte[size];
            for (var i = 0; i < size; i++)
            {
                data[i] = (byte)(i % 251);
            }

            return new EchoRun(
                Encoding.UTF8.GetBytes("[\"echo\",{\"_placeholder\":true,\"num\":0}]"),
                Encoding.UTF8.GetBytes("[{\"_placeholder\":true,\"num\":0}]"),
                data);
        }

        var text = new string('x', size);
        return new EchoRun(Encoding.UTF8.GetBytes($"[\"echo\",\"{text}\"]"), Encoding.UTF8.GetBytes($"[\"{text}\"]"), null);
    }

    private static long QuotaFor(int i, long total, int clients) => total <= 0 ? -1 : (total / clients) + (i < total % clients ? 1 : 0);

    public static async Task EchoAsync(Ctx ctx, Options o, JsonObject m, bool binary)
    {
        var clients = o.Int("clients", 100);
        var inflight = o.Int("inflight", 1);
        var total = o.Int("total", 0);
        var run = MakeEchoRun(binary, o.Int("size", binary ? 1024 : 16));
        var conn = await ConnectManyAsync(ctx, clients, i => new EchoClient(ctx, run, inflight, QuotaFor(i, total, clients)), o.Int("concurrency", 100)).ConfigureAwait(false);
        RequireAll(ctx, conn, clients, "clients");
        var list = conn.Ok;
        Ctx.Log($"{list.Count} clients connected in {conn.Seconds:F2} s");

        long SumAcked() => list.Sum(c => c.Acked);
        var (a, b, acks) = await WindowAsync(ctx, o, run, total, SumAcked, () => ctx.Loop.Post(() => list.ForEach(c => c.Kick()))).ConfigureAwait(false);

        run.Running = false;
        await WaitUntilAsync(() => list.All(c => c.Pending == 0 || c.IsClosed), 15).ConfigureAwait(false);
        var sent = list.Sum(c => c.Sent);
        var acked = SumAcked();
        if (sent != acked || (total > 0 && acked != total))
        {
            ctx.Error($"acks: sent {sent}, acked {acked}, expected {(total > 0 ? total : sent)}");
        }

        var latency = await ctx.Loop.RunAsync(() => Samples.Merge(list.Select(c => c.Latency))).ConfigureAwait(false);
        Describe(ctx, m, a, b, acks, "acks", latency);
        m["clients"] = clients;
        m["inflight"] = inflight;
        m["sent"] = sent;
        m["acked"] = acked;
        await ctx.Loop.RunAsync(() => list.ForEach(c => c.Close())).ConfigureAwait(false);
    }

    public static async Task PollAsync(Ctx ctx, Options o, JsonObject m)
    {
        var clients = o.Int("clients", 100);
        var total = o.Int("total", 0);
        var run = MakeEchoRun(false, o.Int("size", 16));
        var conn = await ConnectManyAsync(ctx, clients, i => new PollClient(ctx, run, QuotaFor(i, total, clients)), o.Int("concurrency", 50)).ConfigureAwait(false);
        RequireAll(ctx, conn, clients, "polling clients");
        var list = conn.Ok;
        Ctx.Log($"{list.Count} polling clients connected");
        long SumAcked() => list.Sum(c => c.Acked);
        var (a, b, acks) = await WindowAsync(ctx, o, run, total, SumAcked, () => ctx.Loop.Post(() => list.ForEach(c => c.Kick()))).ConfigureAwait(false);
        run.Running = false;
        await WaitUntilAsync(() => list.All(c => c.Done), 20).ConfigureAwait(false);
        var sent = list.Sum(c => c.Sent);
        var acked = SumAcked();
        if (sent != acked || (total > 0 && acked != total))
        {
            ctx.Error($"acks: sent {sent}, acked {acked}, expected {(total > 0 ? total : sent)}");
        }

        Describe(ctx, m, a, b, acks, "acks", await ctx.Loop.RunAsync(() => Samples.Merge(list.Select(c => c.Latency))).ConfigureAwait(false));
        m["clients"] = clients;
        m["sent"] = sent;
        m["acked"] = acked;
        await ctx.Loop.RunAsync(() => list.ForEach(c => c.Close())).ConfigureAwait(false);
    }

    /// <summary>Runs the closed loop: either an exact total (all measured) or warmup + a timed window.</summary>
    private static async Task<(Snapshot A, Snapshot B, long Ops)> WindowAsync(Ctx ctx, Options o, EchoRun run, long total, Func<long> count, Action start)
    {
        run.Running = true;
        if (total > 0)
        {
            run.Measuring = true;
            var a0 = ctx.Watch.Take();
            start();
            await WaitUntilAsync(() => count() >= total || ctx.Errors > 0, o.Dbl("duration", 60)).ConfigureAwait(false);
            var b0 = ctx.Watch.Take();
            run.Measuring = false;
            return (a0, b0, count());
        }

        start();
        await Task.Delay(TimeSpan.FromSeconds(o.Dbl("warmup", 5))).ConfigureAwait(false);
        var c1 = count();
        var a = ctx.Watch.Take();
        run.Measuring = true;
        await Task.Delay(TimeSpan.FromSeconds(o.Dbl("duration", 5))).ConfigureAwait(false);
        var c2 = count();
        var b = ctx.Watch.Take();
        run.Measuring = false;
        return (a, b, c2 - c1);
    }

    private static void Describe(Ctx ctx, JsonObject m, Snapshot a, Snapshot b, long ops, string unit, Samples latency)
    {
        ctx.Watch.Describe(m, a, b);
        var seconds = ProcSample.Seconds(a.Self, b.Self);
        m[unit] = ops;
        m[unit + "PerSec"] = seconds > 0 ? Math.Round(ops / seconds) : 0;
        if (ctx.Watch.HasServer && ops > 0)
        {
            m["serverCpuUsPer" + char.ToUpperInvariant(unit[0]) + unit[1..^1]] = Math.Round(ProcSample.CpuUs(a.Server, b.Server) / ops, 2);
        }

        latency.Describe(m, "latency");
    }

    // ---------------------------------------------------------------------------------------------
    // Connection storm / idle connections
    // ---------------------------------------------------------------------------------------------

    private static async Task<long> ServerClientsAsync(WsClient probe)
    {
        var ack = await probe.CallAsync("[\"stats\"]").WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return JsonNode.Parse(ack)![0]!["clients"]!.GetValue<long>();
    }

    private static async Task<long> WaitServerClientsAsync(WsClient probe, long expected, double seconds)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        while (true)
        {
            var n = await ServerClientsAsync(probe).ConfigureAwait(false);
            if (n == expected || Stopwatch.GetTimestamp() > until)
            {
                return n;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Samples the server RSS until it stops falling (or <paramref name="seconds"/> pass).</summary>
    private static async Task<long> SettledRssAsync(Ctx ctx, double seconds)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var last = ctx.Watch.ServerRssKb();
        var stable = 0;
        while (Stopwatch.GetTimestamp() < until && stable < 4)
        {
            await Task.Delay(250).ConfigureAwait(false);
            var now = ctx.Watch.ServerRssKb();
            stable = now >= last - (last / 200) ? stable + 1 : 0;
            last = now;
        }

        return last;
    }

    public static async Task StormAsync(Ctx ctx, Options o, JsonObject m)
    {
        var conns = o.Int("conns", 5000);
        var concurrency = o.Int("concurrency", 200);
        var allowPartial = o.Has("allow-partial");
        var probe = new WsClient(ctx);
        probe.Start(null);
        await probe.Connected.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

        // Warm-up: rounds of connect-all then close-all, so that a JIT (V8's or the CLR's tiers, which need
        // several rounds of calls to reach their final code) measures a warmed server, as a storm after an
        // outage would meet it. The same rounds for every server.
        var warm = o.Int("warmup-conns", 100);
        var rounds = warm > 0 ? o.Int("warmup-rounds", 1) : 0;
        for (var round = 0; round < rounds; round++)
        {
            var w = await ConnectManyAsync(ctx, warm, _ => new WsClient(ctx), Math.Min(concurrency, warm)).ConfigureAwait(false);
            RequireAll(ctx, w, warm, "warm-up connections");
            await ctx.Loop.RunAsync(() => w.Ok.ForEach(c => c.Close())).ConfigureAwait(false);
            await WaitServerClientsAsync(probe, 1, 15).ConfigureAwait(false);
        }

        var baseline = await SettledRssAsync(ctx, o.Dbl("baseline-settle", 3)).ConfigureAwait(false);
        var a = ctx.Watch.Take();
        var r = await ConnectManyAsync(
            ctx, conns, _ => new WsClient(ctx), concurrency,
            o.Dbl("connect-timeout", allowPartial ? 10 : 30), o.Dbl("connect-deadline", 240), allowPartial ? o.Int("max-failures", 200) : int.MaxValue).ConfigureAwait(false);
        var b = ctx.Watch.Take();
        var connected = r.Ok.Count;
        Ctx.Log($"{connected}/{conns} connected in {r.Seconds:F2} s ({r.Failed} failed{(r.FirstFailure is null ? string.Empty : ": " + r.FirstFailure)})");
        if (!allowPartial)
        {
            RequireAll(ctx, r, conns, "connections");
        }

        var serverClients = await WaitServerClientsAsync(probe, connected + 1, 10).ConfigureAwait(false) - 1;
        if (serverClients != connected)
        {
            ctx.Error($"the server counts {serverClients} clients, {connected} expected");
        }

        await Task.Delay(500).ConfigureAwait(false);
        var rssOpen = ctx.Watch.ServerRssKb();
        ctx.Watch.Describe(m, a, b);
        m["conns"] = conns;
        m["connected"] = connected;
        m["failed"] = r.Failed;
        if (r.FirstFailure is not null)
        {
            m["firstFailure"] = r.FirstFailure;
        }

        m["connectSeconds"] = Math.Round(r.Seconds, 3);
        m["handshakesPerSec"] = Math.Round(connected / r.Seconds);
        r.Latency.Describe(m, "handshake");
        if (ctx.Watch.HasServer && connected > 0)
        {
            m["serverCpuUsPerConn"] = Math.Round(ProcSample.CpuUs(a.Server, b.Server) / connected, 1);
            m["rssBaselineKb"] = baseline;
            m["rssOpenKb"] = rssOpen;
            m["rssPerConnKb"] = Math.Round((double)(rssOpen - baseline) / connected, 2);
        }

        var hold = o.Dbl("hold", 0);
        if (hold > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(hold)).ConfigureAwait(false);
            var alive = r.Ok.Count(c => !c.IsClosed);
            m["aliveAfterHold"] = alive;
            m["rssAfterHoldKb"] = ctx.Watch.ServerRssKb();
            if (alive != connected)
            {
                ctx.Error($"{connected - alive} connections dropped while idle");
            }
        }

        var closeStart = Stopwatch.GetTimestamp();
        await ctx.Loop.RunAsync(() => r.Ok.ForEach(c => c.Close())).ConfigureAwait(false);
        var left = await WaitServerClientsAsync(probe, 1, 30).ConfigureAwait(false) - 1;
        m["closeSeconds"] = Math.Round(Stopwatch.GetElapsedTime(closeStart).TotalSeconds, 3);
        if (left != 0)
        {
            ctx.Error($"{left} clients still counted by the server 30 s after closing");
        }

        if (ctx.Watch.HasServer)
        {
            // Read at a fixed time after the close, not once RSS stops falling: both runtimes give memory back only
            // after some seconds of quiet (V8's memory reducer; the .NET server's MemoryReleaseService).
            await Task.Delay(TimeSpan.FromSeconds(o.Dbl("settle", 10))).ConfigureAwait(false);
            var after = ctx.Watch.ServerRssKb();
            m["rssAfterCloseKb"] = after;
            m["rssAfterCloseDeltaKb"] = after - baseline;
        }

        probe.Close();
    }

    // ---------------------------------------------------------------------------------------------
    // Fan-out: bursts (throughput, time to the last delivery) and paced (per-delivery latency)
    // ---------------------------------------------------------------------------------------------

    private static async Task<(List<FanoutReceiver> Receivers, WsClient Sender)> SetUpRoomAsync(Ctx ctx, Options o, FanoutRun run, int room, List<StalledReceiver>? stalled = null)
    {
        var r = await ConnectManyAsync(ctx, room, _ => new FanoutReceiver(ctx, run), o.Int("concurrency", 200)).ConfigureAwait(false);
        RequireAll(ctx, r, room, "room members");
        if (r.Ok.Count != room)
        {
            throw new IOException("room members could not connect");
        }

        var sizes = await Task.WhenAll(r.Ok.Select(c => c.CallAsync($"[\"join\",\"{Room}\"]"))).WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        var max = sizes.Max(s => JsonNode.Parse(s)![0]!.GetValue<long>());
        if (max != room)
        {
            ctx.Error($"join acks report a room of {max}, {room} expected");
        }

        if (stalled is not null && o.Int("slow", 0) is var slow and > 0)
        {
            // Members that join and then never read again: the rest of the room must not notice them.
            var st = await ConnectManyAsync(ctx, slow, _ => new StalledReceiver(ctx), o.Int("concurrency", 200)).ConfigureAwait(false);
            if (st.Ok.Count != slow)
            {
                throw new IOException("stalled members could not connect");
            }

            var stalledSizes = await Task.WhenAll(st.Ok.Select(c => c.CallAsync($"[\"join\",\"{Room}\"]"))).WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            if (stalledSizes.Max(s => JsonNode.Parse(s)![0]!.GetValue<long>()) != room + slow)
            {
                ctx.Error($"join acks report a room other than {room + slow}");
            }

            await ctx.Loop.RunAsync(() => st.Ok.ForEach(c => c.StopReading())).ConfigureAwait(false);
            stalled.AddRange(st.Ok);
            Ctx.Log($"{slow} stalled members joined and stopped reading");
        }

        var senderPort = o.Int("sender-port", 0);
        var sender = new WsClient(ctx, server: senderPort > 0 ? new IPEndPoint(ctx.Server.Address, senderPort) : null);
        sender.Start(null);
        await sender.Connected.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        Ctx.Log($"{room} members joined in {r.Seconds:F2} s (+ joins); sender connected{(senderPort > 0 ? $" to port {senderPort}" : string.Empty)}");
        return (r.Ok, sender);
    }

    public static async Task FanoutAsync(Ctx ctx, Options o, JsonObject m)
    {
        var room = o.Int("room", 1000);
        var burst = o.Int("burst", 10);
        var bursts = o.Int("bursts", 0);
        var warmup = bursts > 0 ? 0 : o.Dbl("warmup", 3);
        var duration = o.Dbl("duration", 5);
        var size = o.Int("payload-size", 0);
        var payload = size > 0 ? "\"" + new string('x', size) + "\"" : "\"fan-out payload 0123456789\"";
        var run = new FanoutRun(Encoding.UTF8.GetBytes($"2[\"msg\",{payload}]"), 0);
        var stalled = new List<StalledReceiver>();
        var (receivers, sender) = await SetUpRoomAsync(ctx, o, run, room, stalled).ConfigureAwait(false);
        var rssAtStart = ctx.Watch.HasServer ? ctx.Watch.ServerRssKb() : 0;
        var call = $"[\"bcast-all\",\"{Room}\",{payload}]";

        var times = new Samples();
        long busy = 0;
        long measured = 0;
        long sent = 0;
        var measuring = false;
        var measuredBursts = 0;
        var warmStart = Stopwatch.GetTimestamp();
        var measureStart = warmStart;
        var a = ctx.Watch.Take();
        for (var i = 0; i < 100_000; i++)
        {
            if (!measuring && (bursts > 0 || (i > 0 && Stopwatch.GetElapsedTime(warmStart).TotalSeconds >= warmup)))
            {
                measuring = true;
                a = ctx.Watch.Take();
                measureStart = Stopwatch.GetTimestamp();
            }

            if (measuring && (bursts > 0 ? measuredBursts >= bursts : measuredBursts >= 3 && Stopwatch.GetElapsedTime(measureStart).TotalSeconds >= duration))
            {
                break;
            }

            var reached = run.Arm((sent + burst) * room);
            var t0 = Stopwatch.GetTimestamp();
            var acks = new Task<string>[burst];
            for (var k = 0; k < burst; k++)
            {
                acks[k] = sender.CallAsync(call);
            }

            sent += burst;
            try
            {
                await reached.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                await Task.WhenAll(acks).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                ctx.Error($"burst {i}: {run.Delivered} of {sent * room} deliveries, {acks.Count(t => t.IsCompletedSuccessfully)}/{burst} acks");
                break;
            }

            if (measuring)
            {
                var dt = run.LastDelivery - t0;
                times.Add(dt);
                busy += dt;
                measured += (long)burst * room;
                measuredBursts++;
            }
        }

        var b = ctx.Watch.Take();
        await WaitUntilAsync(() => receivers.All(r => r.Received >= sent), 5).ConfigureAwait(false);
        var wrong = receivers.Count(r => r.Received != sent);
        if (wrong > 0)
        {
            ctx.Error($"{wrong} members did not get exactly {sent} messages");
        }

        ctx.Watch.Describe(m, a, b);
        var sorted = Samples.Merge([times]);
        m["room"] = room;
        m["burst"] = burst;
        m["bursts"] = sorted.Count;
        m["deliveries"] = measured;
        m["totalDeliveries"] = run.Delivered;
        m["deliveriesPerSec"] = busy > 0 ? Math.Round(measured / (busy / (double)Stopwatch.Frequency)) : 0;
        if (sorted.Count > 0)
        {
            m["lastDeliveryP50Ms"] = Math.Round(sorted.PercentileUs(50) / 1000, 3);
            m["lastDeliveryMaxMs"] = Math.Round(sorted.PercentileUs(100) / 1000, 3);
            m["lastDeliveryMinMs"] = Math.Round(sorted.PercentileUs(0) / 1000, 3);
        }

        if (ctx.Watch.HasServer && measured > 0)
        {
            m["serverCpuUsPerDelivery"] = Math.Round(ProcSample.CpuUs(a.Server, b.Server) / measured, 3);
        }

        if (ctx.Watch.HasServer2 && measured > 0)
        {
            m["server2CpuUsPerDelivery"] = Math.Round(ProcSample.CpuUs(a.Server2, b.Server2) / measured, 3);
        }

        m["busyMs"] = Ms(busy);
        if (sorted.Count > 0)
        {
            m["lastDeliveryP99Ms"] = Math.Round(sorted.PercentileUs(99) / 1000, 3);
        }

        if (stalled.Count > 0 || size > 0)
        {
            // What the server holds for the members that stopped reading shows in its memory, and in its session count.
            m["slow"] = stalled.Count;
            if (ctx.Watch.HasServer)
            {
                m["rssStartKb"] = rssAtStart;
                m["rssEndKb"] = b.Server.RssKb;
                m["rssGrowthKb"] = b.Server.RssKb - rssAtStart;
            }

            var stats = await sender.CallAsync("[\"stats\"]").WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            m["serverClientsAtEnd"] = JsonNode.Parse(stats)![0]!["clients"]!.GetValue<long>();
            m["stalledDroppedByServer"] = await ctx.Loop.RunAsync(() => stalled.Count(c => c.DroppedByPeer)).ConfigureAwait(false);
        }

        await ctx.Loop.RunAsync(() =>
        {
            sender.Close();
            receivers.ForEach(r => r.Close());
            stalled.ForEach(r => r.Close());
        }).ConfigureAwait(false);
    }

    public static async Task PacedAsync(Ctx ctx, Options o, JsonObject m)
    {
        var room = o.Int("room", 1000);
        var rate = o.Dbl("rate", 20);
        var messages = o.Int("messages", 0);
        var warmup = messages > 0 ? 0 : o.Dbl("warmup", 5);
        var duration = o.Dbl("duration", 10);
        var timeBase = Stopwatch.GetTimestamp();
        var run = new FanoutRun(null, timeBase);
        var (receivers, sender) = await SetUpRoomAsync(ctx, o, run, room).ConfigureAwait(false);
        if (messages > 0)
        {
            run.MeasureFrom = 0;
        }

        var interval = (long)(Stopwatch.Frequency / rate);
        var start = Stopwatch.GetTimestamp();
        var next = start;
        var acks = new List<Task<string>>();
        long sent = 0;
        long measuredMessages = 0;
        var a = ctx.Watch.Take();
        var measuring = messages > 0;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            var elapsed = (now - start) / (double)Stopwatch.Frequency;
            if (messages > 0 ? sent >= messages : elapsed >= warmup + duration)
            {
                break;
            }

            if (!measuring && elapsed >= warmup)
            {
                measuring = true;
                a = ctx.Watch.Take();
                run.MeasureFrom = now - timeBase;
            }

            // The timestamp is taken on the loop thread, right before the send.
            acks.Add(sender.CallAsync(() => $"[\"bcast-all\",\"{Room}\",{Stopwatch.GetTimestamp() - timeBase}]"));
            sent++;
            if (measuring)
            {
                measuredMessages++;
            }

            next += interval;
            var wait = next - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency)).ConfigureAwait(false);
            }
        }

        var b = ctx.Watch.Take();
        try
        {
            await run.Arm(sent * room).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            await Task.WhenAll(acks).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            ctx.Error($"{run.Delivered} of {sent * room} deliveries, {acks.Count(t => t.IsCompletedSuccessfully)}/{sent} acks");
        }

        var wrong = receivers.Count(r => r.Received != sent);
        if (wrong > 0)
        {
            ctx.Error($"{wrong} members did not get exactly {sent} messages");
        }

        ctx.Watch.Describe(m, a, b);
        m["room"] = room;
        m["rate"] = rate;
        m["messages"] = measuredMessages;
        m["totalDeliveries"] = run.Delivered;
        var latency = await ctx.Loop.RunAsync(() => Samples.Merge(receivers.Select(r => r.Latency))).ConfigureAwait(false);
        latency.Describe(m, "latency");
        if (ctx.Watch.HasServer && measuredMessages > 0)
        {
            m["serverCpuUsPerDelivery"] = Math.Round(ProcSample.CpuUs(a.Server, b.Server) / (measuredMessages * room), 3);
        }

        await ctx.Loop.RunAsync(() =>
        {
            sender.Close();
            receivers.ForEach(r => r.Close());
        }).ConfigureAwait(false);
    }
}
