using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using SocketIo.Server.Hosting;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Hosting;

/// <summary>
/// After a mass disconnect the server runs one full collection (<see cref="MemoryReleasePolicy"/> decides when,
/// <see cref="MemoryReleaseService"/> does it); ordinary churn and a count still falling never trigger it.
/// </summary>
[TestFixture]
public sealed class MemoryReleaseTests
{
    [Test]
    public void Policy_ReleasesOnceTheCountHasHalvedByTheMinimum_AndStoppedFalling()
    {
        var policy = new MemoryReleasePolicy(minimumClosedSessions: 100);
        Assert.That(policy.Observe(1000, 0), Is.False, "first look");
        Assert.That(policy.Observe(1200, 0), Is.False, "growing: new high-water mark");
        Assert.That(policy.Observe(400, 0), Is.False, "fallen below half, but it may still be falling");
        Assert.That(policy.Observe(10, 0), Is.False, "still falling");
        Assert.That(policy.Observe(10, 0), Is.True, "settled");
        Assert.That(policy.Observe(10, 0), Is.False, "released once; 10 is the new mark");
        Assert.That(policy.Observe(5, 0), Is.False, "5 closed is below the minimum");
    }

    [Test]
    public void Policy_ClientsComingBackWait_UntilTheCountSettlesAgain()
    {
        var policy = new MemoryReleasePolicy(minimumClosedSessions: 100);
        policy.Observe(1000, 0);
        Assert.That(policy.Observe(0, 0), Is.False);
        Assert.That(policy.Observe(300, 0), Is.False, "a wave of reconnections: no pause in the middle of it");
        Assert.That(policy.Observe(450, 0), Is.False, "still coming");
        Assert.That(policy.Observe(455, 0), Is.True, "settled within a tenth of the minimum, and still below half");
    }

    [Test]
    public void Policy_AllComingBackWithinAnIntervalNeverReleases()
    {
        var policy = new MemoryReleasePolicy(minimumClosedSessions: 100);
        policy.Observe(1000, 0);
        Assert.That(policy.Observe(0, 0), Is.False);
        Assert.That(policy.Observe(990, 0), Is.False);
        Assert.That(policy.Observe(995, 0), Is.False, "above half: their memory is in use again");
    }

    [Test]
    public void Policy_ChurnBelowHalfOrBelowTheMinimumNeverReleases()
    {
        var policy = new MemoryReleasePolicy(minimumClosedSessions: 100);
        policy.Observe(1000, 0);
        for (var i = 0; i < 5; i++)
        {
            Assert.That(policy.Observe(501, 0), Is.False, "half of them are still open");
        }

        var small = new MemoryReleasePolicy(minimumClosedSessions: 100);
        small.Observe(150, 0);
        for (var i = 0; i < 5; i++)
        {
            Assert.That(small.Observe(60, 0), Is.False, "90 closed, below the minimum");
        }
    }

    [Test]
    public void Policy_ACompactingFullCollectionOfTheRuntimesOwnMakesItUnnecessary()
    {
        var policy = new MemoryReleasePolicy(minimumClosedSessions: 100);
        policy.Observe(1000, 7);
        Assert.That(policy.Observe(0, 7), Is.False);
        Assert.That(policy.Observe(0, 8), Is.False, "the runtime compacted the heap after the closes");
        Assert.That(policy.Observe(0, 8), Is.False);
    }

    [Test]
    public async Task Service_CollectsAfterTheSessionsClose_AndReportsIt()
    {
        await using var host = await SioTestHost.StartAsync();
        var logger = new FakeLogger<MemoryReleaseService>();
        await using var service = new MemoryReleaseService(
            host.Io,
            Options.Create(new SocketIoMemoryReleaseOptions { MinimumClosedSessions = 2, CheckInterval = TimeSpan.FromSeconds(1) }),
            logger,
            () => 0L);
        await service.StartAsync(CancellationToken.None);

        var clients = new[] { await host.OpenAsync(), await host.OpenAsync(), await host.OpenAsync() };
        host.Time.Advance(TimeSpan.FromSeconds(1)); // high-water mark: 3
        foreach (var client in clients)
        {
            client.Abort();
        }

        await Signals.UntilAsync(() => host.Io.Engine.ClientsCount == 0, "the sessions to close");
        host.Time.Advance(TimeSpan.FromSeconds(1)); // fallen: wait one more look
        Assert.That(logger.Collector.Count, Is.Zero);
        host.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(logger.Collector.Count, Is.EqualTo(1));
        Assert.That(logger.LatestRecord.Id.Id, Is.EqualTo(1013));
        Assert.That(logger.LatestRecord.Message, Does.StartWith("Sessions fell to 0: a full collection"));
        host.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(logger.Collector.Count, Is.EqualTo(1), "once per drop");
    }

    [Test]
    public async Task Service_OnceTheServerStopsAccepting_ReleasesNothing()
    {
        await using var host = await SioTestHost.StartAsync();
        var logger = new FakeLogger<MemoryReleaseService>();
        await using var service = new MemoryReleaseService(
            host.Io,
            Options.Create(new SocketIoMemoryReleaseOptions { MinimumClosedSessions = 1, CheckInterval = TimeSpan.FromSeconds(1) }),
            logger,
            () => 0L);
        await service.StartAsync(CancellationToken.None);
        var clients = new[] { await host.OpenAsync(), await host.OpenAsync() };
        host.Time.Advance(TimeSpan.FromSeconds(1));

        host.Io.Engine.StopAccepting();
        foreach (var client in clients)
        {
            client.Abort();
        }

        await Signals.UntilAsync(() => host.Io.Engine.ClientsCount == 0, "the sessions to close");
        host.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(logger.Collector.Count, Is.Zero, "a server shutting down gives everything back when it exits");
    }

    [Test]
    public async Task Service_AFailingLookIsLogged_AndTheNextLooksGoOn()
    {
        await using var host = await SioTestHost.StartAsync();
        var logger = new FakeLogger<MemoryReleaseService>();
        var looks = 0;
        await using var service = new MemoryReleaseService(
            host.Io,
            Options.Create(new SocketIoMemoryReleaseOptions { CheckInterval = TimeSpan.FromSeconds(1) }),
            logger,
            () => ++looks == 1 ? throw new InvalidOperationException("no GC info") : 0L);
        await service.StartAsync(CancellationToken.None);

        host.Time.Advance(TimeSpan.FromSeconds(1));
        host.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(logger.Collector.Count, Is.EqualTo(1));
        Assert.That(logger.LatestRecord.Id.Id, Is.EqualTo(1014));
        Assert.That(logger.LatestRecord.Exception, Is.InstanceOf<InvalidOperationException>());
        Assert.That(looks, Is.EqualTo(2), "the timer survived the failure");
    }

    [Test]
    public async Task Service_Disabled_StartsNoTimer()
    {
        await using var host = await SioTestHost.StartAsync();
        var logger = new FakeLogger<MemoryReleaseService>();
        await using var service = new MemoryReleaseService(
            host.Io,
            Options.Create(new SocketIoMemoryReleaseOptions { Enabled = false, MinimumClosedSessions = 1, CheckInterval = TimeSpan.FromSeconds(1) }),
            logger,
            () => 0L);
        await service.StartAsync(CancellationToken.None);
        var client = await host.OpenAsync();
        host.Time.Advance(TimeSpan.FromSeconds(1));
        client.Abort();
        await Signals.UntilAsync(() => host.Io.Engine.ClientsCount == 0, "the session to close");
        host.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(logger.Collector.Count, Is.Zero);
    }

    [Test]
    public void AddSocketIo_Alone_DoesNotRegisterTheService()
    {
        var services = new ServiceCollection();
        services.AddSocketIo();
        Assert.That(services.Any(d => d.ImplementationType == typeof(MemoryReleaseService)), Is.False);
    }

    [Test]
    public void AddMemoryRelease_RegistersTheServiceOnce_AndInvalidOptionsStopTheHost()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSocketIo().AddMemoryRelease(o => o.MinimumClosedSessions = 0);
        builder.Services.AddSocketIo().AddMemoryRelease(o => o.CheckInterval = TimeSpan.MaxValue);
        Assert.That(builder.Services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(MemoryReleaseService)), Is.EqualTo(1));
        using var app = builder.Build();
        var error = Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.That(error!.Failures, Has.Some.Contains("MinimumClosedSessions").And.Some.Contains("CheckInterval"));
    }
}
