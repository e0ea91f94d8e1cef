using System.Collections;

namespace SocketIo.Server.Adapters;

/// <summary>
/// A read-only set of strings that is looked up where it lives each time it is read: one room's socket ids, one
/// socket's rooms. <see cref="Count"/> and <see cref="Contains"/> read the current state; an enumeration (and every
/// set comparison) walks a copy taken when it starts, so the set may change meanwhile without an enumeration
/// throwing, and no caller's code runs while the owner's lock is held.
/// </summary>
internal abstract class LiveSet : IReadOnlySet<string>
{
    public abstract int Count { get; }

    public abstract bool Contains(string item);

    /// <summary>The members now, copied.</summary>
    public abstract string[] Snapshot();

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)Snapshot()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool IsProperSubsetOf(IEnumerable<string> other) => Copy().IsProperSubsetOf(other);

    public bool IsProperSupersetOf(IEnumerable<string> other) => Copy().IsProperSupersetOf(other);

    public bool IsSubsetOf(IEnumerable<string> other) => Copy().IsSubsetOf(other);

    public bool IsSupersetOf(IEnumerable<string> other) => Copy().IsSupersetOf(other);

    public bool Overlaps(IEnumerable<string> other) => Copy().Overlaps(other);

    public bool SetEquals(IEnumerable<string> other) => Copy().SetEquals(other);

    private HashSet<string> Copy() => new(Snapshot(), StringComparer.Ordinal);
}
