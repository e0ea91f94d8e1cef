using NUnit.Framework;
using SocketIo.Server;

namespace SocketIo.Tests.Server;

/// <summary>The per-socket handler table: registration order, in-place appends, removals, stable snapshots.</summary>
[TestFixture]
public sealed class EventHandlerTableTests
{
    private static readonly Func<SocketIoEvent, ValueTask> A = _ => ValueTask.CompletedTask;
    private static readonly Func<SocketIoEvent, ValueTask> B = _ => ValueTask.CompletedTask;

    private static List<(string Name, Func<SocketIoEvent, ValueTask> Handler)> Read(EventHandlerTable table)
    {
        var (items, count) = table.Snapshot;
        var list = new List<(string, Func<SocketIoEvent, ValueTask>)>();
        for (var i = 0; i < count; i++)
        {
            list.Add((items[i].EventName!, items[i].Handler!));
        }

        return list;
    }

    [Test]
    public void KeepsRegistrationOrderAcrossGrowth()
    {
        var table = new EventHandlerTable();
        for (var i = 0; i < 20; i++)
        {
            table.Add("e" + i, i % 2 == 0 ? A : B);
        }

        var read = Read(table);
        Assert.That(read.Select(r => r.Name), Is.EqualTo(Enumerable.Range(0, 20).Select(i => "e" + i)));
        Assert.That(read[3].Handler, Is.SameAs(B));
    }

    [Test]
    public void ASnapshotIgnoresLaterAdditions()
    {
        var table = new EventHandlerTable();
        table.Add("x", A);
        table.Add("y", A);
        var (items, count) = table.Snapshot;
        table.Add("z", B); // appended in place, into the same array
        Assert.That(count, Is.EqualTo(2));
        Assert.That(items[0].EventName, Is.EqualTo("x"));
        Assert.That(string.Join(",", Read(table).Select(r => r.Name)), Is.EqualTo("x,y,z"));
    }

    [Test]
    public void RemovingAHandlerRemovesItsFirstRegistrationOnly()
    {
        var table = new EventHandlerTable();
        table.Add("x", A);
        table.Add("x", B);
        table.Add("x", A);
        var before = table.Snapshot;
        table.Remove("x", A);
        Assert.That(Read(table).Select(r => r.Handler), Is.EqualTo(new[] { B, A }));
        Assert.That(before.Count, Is.EqualTo(3), "an earlier snapshot is not changed by a removal");
        Assert.That(before.Items[0].Handler, Is.SameAs(A));
    }

    [Test]
    public void RemovingWithoutAHandlerRemovesEveryHandlerOfTheEvent()
    {
        var table = new EventHandlerTable();
        table.Add("x", A);
        table.Add("y", B);
        table.Add("x", B);
        table.Remove("x", null);
        Assert.That(string.Join(",", Read(table).Select(r => r.Name)), Is.EqualTo("y"));
        table.Add("z", A);
        Assert.That(string.Join(",", Read(table).Select(r => r.Name)), Is.EqualTo("y,z"));
    }

    [Test]
    public void RemovingAnUnknownHandlerChangesNothing()
    {
        var table = new EventHandlerTable();
        table.Add("x", A);
        table.Remove("x", B);
        table.Remove("nope", null);
        Assert.That(Read(table).Select(r => r.Handler), Is.EqualTo(new[] { A }));
    }
}
