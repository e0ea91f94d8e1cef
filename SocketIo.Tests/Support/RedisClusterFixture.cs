using System.Diagnostics;

namespace SocketIo.Tests.Support;

/// <summary>
/// A private three-node Redis Cluster (redis-server --cluster-enabled, slots spread by <c>redis-cli --cluster create</c>),
/// without persistence, in a temporary directory. Missing redis-server or redis-cli fails the test under
/// <c>CI=true</c>; locally the test is ignored with the reason.
/// </summary>
public sealed class RedisClusterFixture : IAsyncDisposable
{
    private readonly List<RedisServerFixture> _nodes;
    private readonly string _directory;

    private RedisClusterFixture(List<RedisServerFixture> nodes, string directory)
    {
        _nodes = nodes;
        _directory = directory;
    }

    /// <summary>The StackExchange.Redis configuration string: every node, as seeds.</summary>
    public string Configuration => string.Join(",", _nodes.Select(n => n.Configuration));

    /// <summary>Starts the nodes, joins them into one cluster and waits until it serves every slot.</summary>
    public static async Task<RedisClusterFixture> StartAsync()
    {
        var cli = TestPrerequisites.FindOnPath("redis-cli");
        if (cli is null)
        {
            TestPrerequisites.Missing("redis-cli is not on PATH (apt-get install redis-tools)");
        }

        var directory = Directory.CreateTempSubdirectory("socketionet-redis-cluster-").FullName;
        var nodes = new List<RedisServerFixture>();
        var fixture = new RedisClusterFixture(nodes, directory);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                nodes.Add(await RedisServerFixture.StartAsync(
                    $"--cluster-enabled yes --cluster-config-file nodes-{{port}}.conf --cluster-node-timeout 5000 --dir {directory}"));
            }

            await RunAsync(cli!, $"--cluster create {string.Join(" ", nodes.Select(n => n.Configuration))} --cluster-replicas 0 --cluster-yes");
            // The nodes learn of each other by gossip: each says cluster_state:ok once it sees every slot served.
            var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
            foreach (var node in nodes)
            {
                while (!(await RunAsync(cli!, $"-p {node.Port} cluster info")).Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException($"The Redis cluster node on port {node.Port} never reached cluster_state:ok.");
                    }

                    await Task.Delay(50); // a poll interval: each look starts a redis-cli process
                }
            }

            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    private static async Task<string> RunAsync(string cli, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(cli, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout("redis-cli " + arguments);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {arguments} failed: {await output} {await errors}");
        }

        return await output;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
