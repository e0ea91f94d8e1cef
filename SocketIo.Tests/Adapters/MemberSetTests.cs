using NUnit.Framework;
using SocketIo.Server.Adapters;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// The adapter's room and socket sets: one member held in a field, a hash set from the second on; either way a set,
/// ordinal, that a broadcast walks.
/// </summary>
[TestFixture]
public sealed class MemberSetTests
{
    private static readonly string[] AandB = ["a", "b"];

    [Test]
    public void OneMember_IsASetOfOne()
    {
        var set = new MemberSet();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(set.Add("a"), Is.True);
            Assert.That(set.Add("a"), Is.False, "already there");
            Assert.That(set.Contains("a"), Is.True);
            Assert.That(set.Contains("A"), Is.False, "ordinal");
            Assert.That(set.Count, Is.EqualTo(1));
            Assert.That(set.ToArray(), Is.EqualTo<string[]>(["a"]));
            Assert.That(Walk(set), Is.EqualTo<string[]>(["a"]));
        }
    }

    [Test]
    public void ASecondMember_KeepsTheFirst()
    {
        var set = new MemberSet();
        set.Add("a");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(set.Add("b"), Is.True);
            Assert.That(set.Add("a"), Is.False);
            Assert.That(set.Count, Is.EqualTo(2));
            Assert.That(Walk(set), Is.EquivalentTo(AandB));
            Assert.That(set.ToArray(), Is.EquivalentTo(AandB));
        }
    }

    [Test]
    public void Removing_EmptiesIt_WhateverItsSize()
    {
        var single = new MemberSet();
        single.Add("a");
        var many = new MemberSet();
        many.Add("a");
        many.Add("b");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(single.Remove("b"), Is.False);
            Assert.That(single.Remove("a"), Is.True);
            Assert.That(single.Remove("a"), Is.False);
            Assert.That(single.Count, Is.Zero);
            Assert.That(Walk(single), Is.Empty);
            Assert.That(single.ToArray(), Is.Empty);
            Assert.That(many.Remove("a") && many.Remove("b"), Is.True);
            Assert.That(many.Count, Is.Zero);
            Assert.That(Walk(many), Is.Empty);
            Assert.That(many.Add("c"), Is.True, "usable again");
            Assert.That(Walk(many), Is.EqualTo<string[]>(["c"]));
        }
    }

    [Test]
    public void AnEmptyOne_HoldsNothing()
    {
        var set = new MemberSet();
        Assert.That((set.Count, set.Contains("a"), Walk(set).Count, set.ToArray().Length), Is.EqualTo((0, false, 0, 0)));
    }

    private static List<string> Walk(MemberSet set)
    {
        var seen = new List<string>();
        foreach (var member in set)
        {
            seen.Add(member);
        }

        return seen;
    }
}
