using NUnit.Framework;
using SocketIo.Server.Adapters;
using SocketIo.Tests.ExternalAdapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// <see cref="SocketIoAdapter.Rooms"/> and <see cref="SocketIoAdapter.Sids"/> (Node: <c>adapter.rooms</c>,
/// <c>adapter.sids</c>) as views that other threads change under: the built-in maps, and an external adapter's own
/// room map with the base class's socket → rooms worked out from it. What they hold for clients is in
/// <see cref="AdapterSpecification"/>.
/// </summary>
[TestFixture]
public sealed class AdapterMapsTests
{
    private static SioFakeServer StartServer(string adapter) =>
        new(o => o.AdapterFactory = adapter == "external" ? port => new RoomTableAdapter(port) : null);

    [TestCase("in-memory")]
    [TestCase("external")]
    public async Task TheMaps_CanBeReadWhileSocketsJoinAndLeave(string adapter)
    {
        await using var server = StartServer(adapter);
        var maps = server.Io.Sockets.Adapter;
        var ids = Enumerable.Range(0, 32).Select(i => "churn-" + i).ToArray();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var done = new CancellationTokenSource();
        var rounds = 0;
        var churn = Task.Run(async () =>
        {
            do
            {
                foreach (var id in ids)
                {
                    await maps.AddAllAsync(id, [id, "churn", "churn-" + (rounds % 5)]);
                    started.TrySetResult();
                }

                foreach (var id in ids)
                {
                    await maps.DelAllAsync(id);
                }

                Interlocked.Increment(ref rounds);
            }
            while (!done.IsCancellationRequested);
        });
        await started.Task.WithTimeout("the first join");

        // Read until both sides have done a good share of work; bounded, so a stalled writer fails the test.
        var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
        var reads = 0;
        long seen = 0;
        while ((reads < 200 || Volatile.Read(ref rounds) < 20) && DateTime.UtcNow < deadline)
        {
            foreach (var (room, members) in maps.Rooms)
            {
                seen += room.Length + members.Count(id => id.StartsWith("churn-", StringComparison.Ordinal));
                seen += members.Overlaps(ids) ? 1 : 0;
            }

            foreach (var (id, rooms) in maps.Sids)
            {
                seen += id.Length + rooms.Count + rooms.Count(r => r == "churn");
            }

            seen += maps.Rooms.Count + maps.Rooms.Values.Sum(m => m.Count) + maps.Sids.Keys.Count() + maps.RoomSize("churn");
            seen += maps.Sids.TryGetValue(ids[reads % ids.Length], out var some) ? some.Count : 0;
            reads++;
        }

        await done.CancelAsync();
        await churn.WithTimeout("the churn to stop");
        Assert.Multiple(() =>
        {
            Assert.That(reads, Is.GreaterThanOrEqualTo(200), "reads before the deadline");
            Assert.That(rounds, Is.GreaterThanOrEqualTo(20), "rounds of joins and leaves before the deadline");
            Assert.That(seen, Is.Positive, "the reads saw the churn");
        });
        Assert.That((maps.Rooms.Count, maps.Sids.Count), Is.EqualTo((0, 0)), "every churned socket left");
    }

    [TestCase("in-memory")]
    [TestCase("external")]
    public async Task ARoomReadOnce_FollowsItsName_AcrossItsDeletion(string adapter)
    {
        await using var server = StartServer(adapter);
        var maps = server.Io.Sockets.Adapter;
        await maps.AddAllAsync("s1", ["r"]);
        var room = maps.Rooms["r"];
        var roomsOfS1 = maps.Sids["s1"];

        await maps.DelAsync("s1", "r");
        Assert.That((room.Count, maps.Rooms.ContainsKey("r"), roomsOfS1.Contains("r")), Is.EqualTo((0, false, false)));

        await maps.AddAllAsync("s2", ["r"]);
        Assert.That(room, Is.EquivalentTo((string[])["s2"]), "the room made again under the same name");
        Assert.Multiple(() =>
        {
            Assert.That(room.SetEquals(["s2"]) && room.IsSubsetOf(["s2", "s3"]) && room.IsProperSubsetOf(["s2", "s3"]), Is.True);
            Assert.That(room.Overlaps(["s2"]) && room.IsSupersetOf([]) && !room.IsProperSupersetOf(["s2"]), Is.True);
            Assert.That(room.Contains(null!), Is.False);
        });
    }
}
