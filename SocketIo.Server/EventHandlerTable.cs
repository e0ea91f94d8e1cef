namespace SocketIo.Server;

/// <summary>
/// A socket's event handlers as one copy-on-write array of (event name, handler): a handful of entries per socket
/// costs far less than a dictionary of lists, and dispatch walks the array without allocating.
/// </summary>
internal sealed class EventHandlerTable
{
    private Entry[] _entries = [];

    /// <summary>The current entries, in registration order; never mutated.</summary>
    public Entry[] Snapshot => Volatile.Read(ref _entries);

    public void Add(string eventName, Func<SocketIoEvent, ValueTask> handler) => Update(entries => [.. entries, new Entry(eventName, handler)]);

    /// <summary>Removes the first registration of <paramref name="handler"/> for the event, or every handler of the event when null.</summary>
    public void Remove(string eventName, Func<SocketIoEvent, ValueTask>? handler) => Update(entries =>
    {
        if (handler is null)
        {
            return Array.FindAll(entries, e => e.EventName != eventName);
        }

        var index = Array.FindIndex(entries, e => e.EventName == eventName && e.Handler == handler);
        return index < 0 ? entries : [.. entries[..index], .. entries[(index + 1)..]];
    });

    private void Update(Func<Entry[], Entry[]> change)
    {
        while (true)
        {
            var current = Volatile.Read(ref _entries);
            if (Interlocked.CompareExchange(ref _entries, change(current), current) == current)
            {
                return;
            }
        }
    }

    /// <summary>One registration.</summary>
    public readonly record struct Entry(string EventName, Func<SocketIoEvent, ValueTask> Handler);
}
