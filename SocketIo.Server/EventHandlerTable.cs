namespace SocketIo.Server;

/// <summary>
/// A socket's event handlers as one array of (event name, handler) in registration order: a handful of entries per
/// socket costs far less than a dictionary of lists, and dispatch walks the array without allocating.
/// </summary>
/// <remarks>
/// A connection handler typically registers a dozen events one by one, so adding appends in place into spare capacity
/// (doubling when full) instead of copying the array each time; removing publishes a new array. Entries are structs
/// in the array (no object per registration): an append writes the handler, then publishes the slot by writing its
/// event name with release semantics; a reader that sees the name (acquire) sees the handler. Slots before the first
/// empty one never change, so a reader needs no lock: it takes the array, counts the filled prefix once, and
/// dispatches over that prefix (handlers added meanwhile are not called for the event being dispatched, as in Node).
/// </remarks>
internal sealed class EventHandlerTable
{
    private Entry[] _entries = [];
    private int _count;

    /// <summary>The registrations now: <c>Items[0..Count)</c>, in registration order.</summary>
    public (Entry[] Items, int Count) Snapshot
    {
        get
        {
            var items = Volatile.Read(ref _entries);
            var count = 0;
            while (count < items.Length && Volatile.Read(ref items[count].EventName) is not null)
            {
                count++;
            }

            return (items, count);
        }
    }

    public void Add(string eventName, Func<SocketIoEvent, ValueTask> handler)
    {
        lock (this)
        {
            var items = _entries;
            if (_count == items.Length)
            {
                var grown = new Entry[Math.Max(4, items.Length * 2)];
                Array.Copy(items, grown, _count);
                grown[_count] = new Entry { EventName = eventName, Handler = handler };
                Volatile.Write(ref _entries, grown);
            }
            else
            {
                items[_count].Handler = handler;
                Volatile.Write(ref items[_count].EventName, eventName);
            }

            _count++;
        }
    }

    /// <summary>Removes the first registration of <paramref name="handler"/> for the event, or every handler of the event when null.</summary>
    public void Remove(string eventName, Func<SocketIoEvent, ValueTask>? handler)
    {
        lock (this)
        {
            var items = _entries;
            var kept = new Entry[items.Length];
            var count = 0;
            var removedOne = false;
            for (var i = 0; i < _count; i++)
            {
                var entry = items[i];
                var matches = string.Equals(entry.EventName, eventName, StringComparison.Ordinal)
                    && (handler is null || (!removedOne && ListenerMatch.Matches(entry.Handler!, handler)));
                if (matches)
                {
                    removedOne = true;
                    continue;
                }

                kept[count++] = entry;
            }

            if (count != _count)
            {
                Volatile.Write(ref _entries, kept);
                _count = count;
            }
        }
    }

    /// <summary>The user's handlers of one event, in registration order (once wrappers unwrapped).</summary>
    public IReadOnlyList<Func<SocketIoEvent, ValueTask>> Listeners(string eventName)
    {
        var (items, count) = Snapshot;
        var result = new List<Func<SocketIoEvent, ValueTask>>();
        for (var i = 0; i < count; i++)
        {
            if (string.Equals(items[i].EventName, eventName, StringComparison.Ordinal))
            {
                result.Add(ListenerMatch.Unwrap(items[i].Handler!));
            }
        }

        return result;
    }

    /// <summary>Removes every registration.</summary>
    public void Clear()
    {
        lock (this)
        {
            Volatile.Write(ref _entries, []);
            _count = 0;
        }
    }

    /// <summary>One registration; a slot whose <see cref="EventName"/> is null is free.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1051", Justification = "Fields, so that a slot can be published with Volatile.Write.")]
    public struct Entry
    {
        public string? EventName;
        public Func<SocketIoEvent, ValueTask>? Handler;
    }
}
