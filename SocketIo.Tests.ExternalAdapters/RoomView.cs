using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace SocketIo.Tests.ExternalAdapters;

/// <summary>
/// <see cref="RoomTableAdapter"/>'s room → socket ids map, as a third party would write it: every read a filter over
/// the membership table, which a concurrent dictionary lets any thread walk while sockets join and leave.
/// </summary>
internal sealed class RoomView(ConcurrentDictionary<(string Room, string Sid), byte> memberships) : IReadOnlyDictionary<string, IReadOnlySet<string>>
{
    public int Count => RoomNames().Length;

    public IEnumerable<string> Keys => RoomNames();

    public IEnumerable<IReadOnlySet<string>> Values => RoomNames().Select(room => (IReadOnlySet<string>)new Members(memberships, room));

    public IReadOnlySet<string> this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public bool ContainsKey(string key) => memberships.Keys.Any(k => k.Room == key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out IReadOnlySet<string> value)
    {
        value = ContainsKey(key) ? new Members(memberships, key) : null;
        return value is not null;
    }

    public IEnumerator<KeyValuePair<string, IReadOnlySet<string>>> GetEnumerator() =>
        RoomNames().Select(room => new KeyValuePair<string, IReadOnlySet<string>>(room, new Members(memberships, room))).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private string[] RoomNames() => memberships.Keys.Select(k => k.Room).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The ids in one room, read from the table each time.</summary>
    private sealed class Members(ConcurrentDictionary<(string Room, string Sid), byte> memberships, string room) : IReadOnlySet<string>
    {
        public int Count => Ids().Length;

        public bool Contains(string item) => memberships.ContainsKey((room, item));

        public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)Ids()).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public bool IsProperSubsetOf(IEnumerable<string> other) => Copy().IsProperSubsetOf(other);

        public bool IsProperSupersetOf(IEnumerable<string> other) => Copy().IsProperSupersetOf(other);

        public bool IsSubsetOf(IEnumerable<string> other) => Copy().IsSubsetOf(other);

        public bool IsSupersetOf(IEnumerable<string> other) => Copy().IsSupersetOf(other);

        public bool Overlaps(IEnumerable<string> other) => Copy().Overlaps(other);

        public bool SetEquals(IEnumerable<string> other) => Copy().SetEquals(other);

        private string[] Ids() => memberships.Keys.Where(k => k.Room == room).Select(k => k.Sid).ToArray();

        private HashSet<string> Copy() => new(Ids(), StringComparer.Ordinal);
    }
}
