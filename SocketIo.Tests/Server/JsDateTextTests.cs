using NUnit.Framework;
using SocketIo.Redis.Codec;
using SocketIo.Server.Protocol.Msgpack;
using SocketIo.Server;

namespace SocketIo.Tests.Server;

/// <summary>The JS date text of <c>socket.handshake.time</c>, written as Node writes it and read from any Node.</summary>
[TestFixture]
public sealed class JsDateTextTests
{
    [Test]
    public void Format_WritesJsDateToString_InUtc_WithoutTheMilliseconds()
    {
        var time = new DateTimeOffset(2026, 11, 26, 5, 8, 5, 999, TimeSpan.FromHours(1));

        Assert.That(JsDateText.Format(time), Is.EqualTo("Thu Nov 26 2026 04:08:05 GMT+0000 (Coordinated Universal Time)"));
    }

    [TestCase(0L)]
    [TestCase(1_795_666_371_516L)]
    [TestCase(951_782_400_000L)] // 2000-02-29
    [TestCase(-1L)]
    public void Format_AgreesWithTheRedisCodecsDateText(long ms)
    {
        Assert.That(JsDateText.Format(DateTimeOffset.FromUnixTimeMilliseconds(ms)), Is.EqualTo(JsDate.ToDateString(ms)));
    }

    [Test]
    public void TryParse_ReadsNodesUtcText()
    {
        Assert.That(JsDateText.TryParse("Thu Nov 26 2026 04:12:51 GMT+0000 (Coordinated Universal Time)", out var time), Is.True);

        Assert.That(time, Is.EqualTo(new DateTimeOffset(2026, 11, 26, 4, 12, 51, TimeSpan.Zero)));
        Assert.That(time.Offset, Is.EqualTo(TimeSpan.Zero));
    }

    [TestCase("Thu Nov 26 2026 05:12:51 GMT+0100 (Central European Standard Time)", 60)]
    [TestCase("Wed Nov 25 2026 23:42:51 GMT-0430", -270)]
    public void TryParse_KeepsTheOffsetOfANodeInAnotherZone(string text, int offsetMinutes)
    {
        Assert.That(JsDateText.TryParse(text, out var time), Is.True);

        Assert.That(time.Offset, Is.EqualTo(TimeSpan.FromMinutes(offsetMinutes)));
        Assert.That(time.UtcDateTime, Is.EqualTo(new DateTime(2026, 11, 26, 4, 12, 51, DateTimeKind.Utc)));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("Invalid Date")]
    [TestCase("2026-11-26T04:12:51.516Z")]
    [TestCase("Thu Nov 26 2026 04:12:51 UTC+0000")]
    [TestCase("Thu Nov 26 2026 04:12:51 GMT+00")]
    [TestCase("Thu Nov 26 2026 04:12:51 GMT*0000")]
    [TestCase("Thu Nov 26 2026 04:12:51 GMT+0075")]
    public void TryParse_RefusesOtherText(string? text)
    {
        Assert.That(JsDateText.TryParse(text, out _), Is.False);
    }
}
