using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.AdminUi;

namespace SocketIo.Tests.AdminUi;

[TestFixture]
public sealed class AggregatedEventsTests
{
    private static readonly string[] Expected =
    [
        """{"timestamp":1700000000000,"type":"packetsIn","count":2}""",
        """{"timestamp":1700000000000,"type":"bytesIn","count":15}""",
        """{"timestamp":1700000001000,"type":"rawDisconnection","subType":"transport close","count":1}""",
    ];

    [Test]
    public void Counts_AddUpPerSecondAndKind_AndTakeAllStartsAfresh()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250));
        var events = new AggregatedEvents(time);
        events.Push("packetsIn");
        events.Push("bytesIn", null, 10);
        time.Advance(TimeSpan.FromMilliseconds(500));
        events.Push("packetsIn");
        events.Push("bytesIn", null, 5);
        time.Advance(TimeSpan.FromMilliseconds(400));
        events.Push("rawDisconnection", "transport close");

        var taken = events.TakeAll();

        Assert.That(taken.Select(e => e.ToString(Newtonsoft.Json.Formatting.None)), Is.EquivalentTo(Expected));
        Assert.That(events.TakeAll(), Is.Empty);
    }

    [Test]
    public void SocketData_IsShownWithoutTheAdminKey()
    {
        var data = new JObject { ["_admin"] = new JObject { ["clientId"] = "abc" }, ["user"] = "ann" };

        Assert.That(AdminUiSerializer.WithoutAdmin(data).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("""{"user":"ann"}"""));
        Assert.That(data.ContainsKey("_admin"), Is.True, "the socket's own data is left alone");
        Assert.That(AdminUiSerializer.WithoutAdmin(new JValue(42)).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("{}"));
    }

    [Test]
    public void Dates_AreWrittenAsJsonStringifyWritesThem()
    {
        Assert.That(AdminUiSerializer.Date(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_007)), Is.EqualTo("2023-11-14T22:13:20.007Z"));
    }
}
