using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

namespace SocketIo.Bench;

/// <summary>
/// The "null" Socket.IO server of the benchmark: answers only what the load generator needs (Engine.IO open,
/// namespace CONNECT, echo acks in text and binary, join acks, room fan-out for bcast-all, stats; WebSocket and
/// HTTP long-polling) with the same bytes as the real servers, as cheaply as it can: one thread, epoll, writes
/// coalesced per connection and flushed once per epoll batch. It gives the ceiling of this machine for each
/// scenario; it is not a Socket.IO implementation (no pings, no namespaces, no real parser).
/// Environment: PORT (0 = any free port), HOST. Prints <c>listening on http://HOST:PORT</c>. SIGTERM stops it.
/// </summary>
internal static class Program
{
    public static async Task<int> Main()
    {
        var host = Environment.GetEnvironmentVariable("HOST") is { Length: > 0 } h ? h : "127.0.0.1";
        var port = int.Parse(Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } p ? p : "3000", CultureInfo.InvariantCulture);
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            stop.TrySetResult();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            stop.TrySetResult();
        });

        using var loop = new Loop();
        var server = new NullServer();
        var actual = await loop.RunAsync(() => loop.Listen(new IPEndPoint(IPAddress.Parse(host), port), fd => _ = new Connection(server, loop, fd))).ConfigureAwait(false);
        await Console.Out.WriteLineAsync($"listening on http://{host}:{actual}").ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        await stop.Task.ConfigureAwait(false);
        return 0;
    }
}
