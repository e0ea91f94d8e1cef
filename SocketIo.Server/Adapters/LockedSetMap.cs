using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace SocketIo.Server.Adapters;

/// <summary>
/// The read-only, live face of one of <see cref="InMemoryAdapter"/>'s maps (room → socket ids, or socket id → rooms),
/// read under the lock that guards every change to it. Made once per adapter; broadcasts never touch it, so the maps
/// cost nothing on the per-message path. A looked-up set is bound to its key, not to the set object of the moment:
/// it stays current across a room deleted and created again, and reads as empty while its key is absent (where
/// Node's <c>rooms.get(room)</c> hands out a <c>Set</c> that is dropped with the room).
/// </summary>
internal sealed class LockedSetMap : IReadOnlyDictionary<string, IReadOnlySet<string>>
{
    private readonly object _sync;
    private readonly Dictionary<string, MemberSet> _map;

    /// <param name="sync">The lock the owner holds while it changes <paramref name="map"/> or its sets.</param>
    /// <param name="map">The owner's map.</param>
    public LockedSetMap(object sync, Dictionary<string, MemberSet> map)
    {
        _sync = sync;
        _map = map;
    }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>The keys now, copied (later changes do not affect the sequence returned).</summary>
    public IEnumerable<string> Keys => KeySnapshot();

    public IEnumerable<IReadOnlySet<string>> Values => KeySnapshot().Select(key => (IReadOnlySet<string>)new Entry(this, key));

    public IReadOnlySet<string> this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"'{key}' is not in the map.");

    public bool ContainsKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_sync)
        {
            return _map.ContainsKey(key);
        }
    }

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out IReadOnlySet<string> value)
    {
        value = ContainsKey(key) ? new Entry(this, key) : null;
        return value is not null;
    }

    /// <summary>Walks the keys present when it starts, each with its live set.</summary>
    public IEnumerator<KeyValuePair<string, IReadOnlySet<string>>> GetEnumerator()
    {
        foreach (var key in KeySnapshot())
        {
            yield return new(key, new Entry(this, key));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private string[] KeySnapshot()
    {
        lock (_sync)
        {
            return _map.Keys.ToArray();
        }
    }

    /// <summary>The set under one key, looked up at each read.</summary>
    private sealed class Entry(LockedSetMap owner, string key) : LiveSet
    {
        public override int Count
        {
            get
            {
                lock (owner._sync)
                {
                    return owner._map.TryGetValue(key, out var set) ? set.Count : 0;
                }
            }
        }

        public override bool Contains(string item)
        {
            lock (owner._sync)
            {
                return owner._map.TryGetValue(key, out var set) && set.Contains(item);
            }
        }

        public override string[] Snapshot()
        {
            lock (owner._sync)
            {
                return owner._map.TryGetValue(key, out var set) ? set.ToArray() : [];
            }
        }
    }
}
