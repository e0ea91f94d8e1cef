using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace SocketIo.Server.Adapters;

/// <summary>
/// Socket id → rooms, worked out from an adapter's <see cref="SocketIoAdapter.Rooms"/> at each read: the default
/// <see cref="SocketIoAdapter.Sids"/> of an adapter that keeps only room → ids (one written outside this assembly).
/// Every read walks the rooms, so it costs what the room map costs to enumerate; adapters that keep both directions
/// (<see cref="InMemoryAdapter"/>) override it with their own map. A socket in no room is not in it.
/// </summary>
internal sealed class InvertedSetMap(SocketIoAdapter adapter) : IReadOnlyDictionary<string, IReadOnlySet<string>>
{
    public int Count => KeySnapshot().Count;

    /// <summary>The ids in any room now, copied.</summary>
    public IEnumerable<string> Keys => KeySnapshot();

    public IEnumerable<IReadOnlySet<string>> Values => KeySnapshot().Select(id => (IReadOnlySet<string>)new Entry(adapter, id));

    public IReadOnlySet<string> this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"'{key}' is not in the map.");

    public bool ContainsKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var (_, members) in adapter.Rooms)
        {
            if (members.Contains(key))
            {
                return true;
            }
        }

        return false;
    }

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out IReadOnlySet<string> value)
    {
        value = ContainsKey(key) ? new Entry(adapter, key) : null;
        return value is not null;
    }

    /// <summary>Walks the ids in a room when it starts, each with its live set of rooms.</summary>
    public IEnumerator<KeyValuePair<string, IReadOnlySet<string>>> GetEnumerator()
    {
        foreach (var id in KeySnapshot())
        {
            yield return new(id, new Entry(adapter, id));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private HashSet<string> KeySnapshot()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, members) in adapter.Rooms)
        {
            ids.UnionWith(members);
        }

        return ids;
    }

    /// <summary>The rooms of one socket: those whose members include it, at each read.</summary>
    private sealed class Entry(SocketIoAdapter adapter, string id) : LiveSet
    {
        public override int Count => Snapshot().Length;

        public override bool Contains(string item) =>
            item is not null && adapter.Rooms.TryGetValue(item, out var members) && members.Contains(id);

        public override string[] Snapshot()
        {
            var rooms = new List<string>();
            foreach (var (room, members) in adapter.Rooms)
            {
                if (members.Contains(id))
                {
                    rooms.Add(room);
                }
            }

            return rooms.ToArray();
        }
    }
}
