using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.Diagnostics;
using SocketIo.Server.EngineIo;

namespace SocketIo.Tests.EngineIo;

/// <summary>A flood of one warning becomes a line per interval that counts what it held back.</summary>
[TestFixture]
public sealed class LogThrottleTests
{
    [Test]
    public void TheFirstOccurrenceIsLogged_ThenOnePerInterval_WithTheCountHeldBack()
    {
        var time = new FakeTimeProvider();
        var throttle = new LogThrottle(time, TimeSpan.FromSeconds(10));

        Assert.That(throttle.ShouldLog(out var suppressed), Is.True);
        Assert.That(suppressed, Is.Zero);

        for (var i = 0; i < 5; i++)
        {
            Assert.That(throttle.ShouldLog(out _), Is.False);
        }

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.That(throttle.ShouldLog(out _), Is.False);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(throttle.ShouldLog(out suppressed), Is.True);
        Assert.That(suppressed, Is.EqualTo(6));

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.That(throttle.ShouldLog(out suppressed), Is.True);
        Assert.That(suppressed, Is.Zero);
    }
}
