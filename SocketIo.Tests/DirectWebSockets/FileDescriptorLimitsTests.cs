using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using SocketIo.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// A server at its file-descriptor limit must refuse connections, not crash: Kestrel's connection limits default
/// to the descriptor budget, and a WebSocket upgrade past the limit is answered 503.
/// </summary>
[TestFixture]
public sealed class FileDescriptorLimitsTests
{
    private static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("The file-descriptor budget is measured on Linux only.");
        }
    }

    /// <summary>The soft "Max open files" of this process, as the kernel reports it.</summary>
    private static long SoftLimitFromProc()
    {
        var line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(fields[0], CultureInfo.InvariantCulture);
    }

    [Test]
    public void The_budget_is_the_soft_limit_less_the_open_descriptors_and_a_reserve()
    {
        RequireLinux();
        var soft = SoftLimitFromProc();

        var budget = FileDescriptorBudget.Compute();

        Assert.That(FileDescriptorBudget.SoftLimit(), Is.EqualTo(soft), "getrlimit agrees with /proc/self/limits");
        Assert.That(budget, Is.Positive.And.LessThanOrEqualTo(soft - FileDescriptorBudget.Reserve(soft) - 3), "stdin, stdout and stderr at least are open");
    }

    [Test]
    public void The_reserve_is_a_sixteenth_of_the_limit_and_at_least_128()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(FileDescriptorBudget.Of(soft: 3000, open: 200), Is.EqualTo(3000 - 200 - 187));
            Assert.That(FileDescriptorBudget.Of(soft: 1024, open: 200), Is.EqualTo(1024 - 200 - 128));
            Assert.That(FileDescriptorBudget.Of(soft: 300, open: 200), Is.Null, "nothing left to share");
        }
    }

    [Test]
    public void The_budget_is_split_a_quarter_to_plain_connections_and_the_rest_to_upgraded_ones()
    {
        var options = new KestrelServerOptions();

        new KestrelConnectionLimitsSetup(2613).Configure(options);

        Assert.That(options.Limits.MaxConcurrentConnections, Is.EqualTo(653));
        Assert.That(options.Limits.MaxConcurrentUpgradedConnections, Is.EqualTo(1960));
    }

    [Test]
    public void A_limit_the_application_set_is_kept_and_an_unknown_budget_sets_nothing()
    {
        var set = new KestrelServerOptions();
        set.Limits.MaxConcurrentUpgradedConnections = 7;
        var unknown = new KestrelServerOptions();

        new KestrelConnectionLimitsSetup(1000).Configure(set);
        new KestrelConnectionLimitsSetup(null).Configure(unknown);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(set.Limits.MaxConcurrentUpgradedConnections, Is.EqualTo(7));
            Assert.That(set.Limits.MaxConcurrentConnections, Is.EqualTo(250));
            Assert.That(unknown.Limits.MaxConcurrentConnections, Is.Null);
            Assert.That(unknown.Limits.MaxConcurrentUpgradedConnections, Is.Null);
        }
    }

    [Test]
    public void AddSocketIo_alone_leaves_Kestrels_limits_unset()
    {
        var services = new ServiceCollection();
        services.AddSocketIo();
        using var provider = services.BuildServiceProvider();

        var limits = provider.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.That(limits.MaxConcurrentConnections, Is.Null);
        Assert.That(limits.MaxConcurrentUpgradedConnections, Is.Null);
    }

    [Test]
    public void AddFileDescriptorConnectionLimits_sizes_both_Kestrel_limits_to_the_budget()
    {
        RequireLinux();
        var services = new ServiceCollection();
        services.AddSocketIo().AddFileDescriptorConnectionLimits().AddFileDescriptorConnectionLimits();
        using var provider = services.BuildServiceProvider();

        var before = FileDescriptorBudget.Compute() ?? throw new InvalidOperationException("no budget on Linux");
        var limits = provider.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.That(limits.MaxConcurrentConnections, Is.Positive);
        Assert.That(limits.MaxConcurrentUpgradedConnections, Is.Positive);
        Assert.That(limits.MaxConcurrentConnections + limits.MaxConcurrentUpgradedConnections, Is.LessThanOrEqualTo(before));
    }

    [Test]
    public void AddFileDescriptorConnectionLimits_keeps_a_Kestrel_limit_set_before_it()
    {
        RequireLinux();
        var services = new ServiceCollection();
        services.Configure<KestrelServerOptions>(k => k.Limits.MaxConcurrentConnections = 5);
        services.AddSocketIo().AddFileDescriptorConnectionLimits();
        using var provider = services.BuildServiceProvider();

        var limits = provider.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.That(limits.MaxConcurrentConnections, Is.EqualTo(5));
        Assert.That(limits.MaxConcurrentUpgradedConnections, Is.Positive);
    }

    [Test]
    public async Task A_WebSocket_past_the_upgraded_connection_limit_is_refused_with_503_and_the_first_goes_on()
    {
        var logs = new RecordingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxConcurrentUpgradedConnections = 1;
        });
        builder.Services.AddSocketIo();
        await using var app = builder.Build();
        app.MapSocketIo();
        await app.StartAsync().WithTimeout("Kestrel to start");
        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var uri = new Uri($"ws://{url.Authority}/socket.io/?EIO=4&transport=websocket");

        using (var first = await SioRawClient.ConnectAsync(uri))
        {
            using var second = new ClientWebSocket();
            second.Options.CollectHttpResponseDetails = true;
            using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);

            Assert.That(async () => await second.ConnectAsync(uri, timeout.Token), Throws.InstanceOf<WebSocketException>());
            using (Assert.EnterMultipleScope())
            {
                Assert.That(second.HttpStatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(second.HttpResponseHeaders?["Connection"], Is.EquivalentTo(["close"]));
                Assert.That(second.HttpResponseHeaders?.ContainsKey("Upgrade"), Is.False);
            }

            Assert.That(await first.ConnectNamespaceAsync(), Is.Not.Empty, "the first WebSocket still works");
        }

        await app.StopAsync().WithTimeout("Kestrel to stop");
        Assert.That(logs.Errors, Is.Empty);
        Assert.That(logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message), Has.One.StartsWith("WebSocket upgrade refused with 503"));
    }

    [Test]
    public async Task A_server_under_a_low_descriptor_limit_survives_more_connections_than_the_limit()
    {
        RequireLinux();
        const int limit = 512;
        await using var server = await InteropServerProcess.StartAsync(limit);
        var held = new List<RawHttpConnection>();
        var statuses = new List<int>(); // 0: closed without an answer (Kestrel's connection limit)
        try
        {
            // Every connection stays open, in batches small enough for the listen backlog.
            for (var batch = 0; batch < 8; batch++)
            {
                var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => TryUpgradeAsync(server.Port)));
                held.AddRange(answers.Select(a => a.Connection));
                statuses.AddRange(answers.Select(a => a.Status));
            }

            TestContext.Out.WriteLine($"101: {statuses.Count(s => s == 101)}, 503: {statuses.Count(s => s == 503)}, closed: {statuses.Count(s => s == 0)}");
            Assert.That(server.HasExited, Is.False, server.Stderr);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(statuses, Has.All.AnyOf(101, 503, 0));
                Assert.That(statuses.Count(s => s == 101), Is.Positive.And.LessThan(limit));
                // Refused: 503 for an upgrade through ASP.NET, a close for a connection over Kestrel's plain limit
                // (the interop host opens WebSockets directly, so those count as plain connections).
                Assert.That(statuses, Has.Some.AnyOf(503, 0));
            }

            // Still serving: once the held connections go, a new client gets in (the server notices the closes
            // asynchronously, so it may take a moment; each attempt is a fresh connection).
            held.ForEach(c => c.Dispose());
            held.Clear();
            using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}"), Timeout = Signals.DefaultTimeout };
            var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
            string? body = null;
            while (body is null)
            {
                try
                {
                    body = await http.GetStringAsync("/socket.io/?EIO=4&transport=polling");
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Yield();
                }
            }

            Assert.That(body, Does.StartWith("0{\"sid\""), "still serving after the storm");
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }

        Assert.That(server.Stderr, Does.Not.Contain("Out of memory").And.Not.Contain("fail:"));
    }

    /// <summary>A raw WebSocket upgrade: the connection and its status, 0 when the server closed it unanswered.</summary>
    private static async Task<(RawHttpConnection Connection, int Status)> TryUpgradeAsync(int port)
    {
        var connection = await RawHttpConnection.ConnectAsync(port);
        try
        {
            await connection.SendAsync(RawHttpConnection.UpgradeRequest(port, "/socket.io/?EIO=4&transport=websocket"));
            return (connection, (await connection.ReadResponseAsync()).StatusCode);
        }
        catch (IOException)
        {
            return (connection, 0);
        }
    }
}
