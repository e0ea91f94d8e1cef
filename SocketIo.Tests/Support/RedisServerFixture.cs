using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SocketIo.Tests.Support;

/// <summary>
/// A private <c>redis-server</c> on a free loopback port, without persistence, for the tests that need real Redis.
/// Missing redis-server fails the test under <c>CI=true</c>; locally the test is ignored with the reason.
/// </summary>
public sealed class RedisServerFixture : IAsyncDisposable
{
    private Process _process;

    private RedisServerFixture(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts one, or fails/ignores the test when redis-server is not installed.</summary>
    public static async Task<RedisServerFixture> StartAsync()
    {
        var (process, port) = await StartProcessAsync(null);
        return new RedisServerFixture(process, port);
    }

    /// <summary>Kills the server (an outage: clients see their connections reset).</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Starts a fresh, empty server on the same port after <see cref="StopAsync"/>.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _process.Dispose();
        (_process, _) = await StartProcessAsync(Port);
    }

    /// <summary>Starts one with more arguments (a cluster node: <see cref="RedisClusterFixture"/>).</summary>
    internal static async Task<RedisServerFixture> StartAsync(string extraArguments)
    {
        var (process, port) = await StartProcessAsync(null, extraArguments);
        return new RedisServerFixture(process, port);
    }

    private static async Task<(Process Process, int Port)> StartProcessAsync(int? fixedPort, string? extraArguments = null)
    {
        var binary = TestPrerequisites.FindOnPath("redis-server");
        if (binary is null)
        {
            TestPrerequisites.Missing("redis-server is not on PATH (apt-get install redis-server)");
        }

        for (var attempt = 0; ; attempt++)
        {
            var port = fixedPort ?? FreePort();
            var start = new ProcessStartInfo(binary!, $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no {extraArguments?.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(start)!;
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
                {
                    ready.TrySetResult();
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(ready.Task, exited, Task.Delay(Signals.DefaultTimeout));
            if (first == ready.Task)
            {
                return (process, port);
            }

            process.Kill();
            if (attempt >= 2)
            {
                throw new InvalidOperationException("redis-server did not start.");
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
