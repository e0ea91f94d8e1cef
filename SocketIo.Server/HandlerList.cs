namespace SocketIo.Server;

/// <summary>A copy-on-write list of handlers: cheap to snapshot on every dispatch, safe to change from any thread.</summary>
internal sealed class HandlerList<T>
    where T : Delegate
{
    private T[] _items = [];

    public T[] Snapshot => Volatile.Read(ref _items);

    public void Add(T item) => Update(items => [.. items, item]);

    public void Prepend(T item) => Update(items => [item, .. items]);

    /// <summary>
    /// Removes the first occurrence of <paramref name="item"/> (or of a once wrapper of it), or everything when it is null.
    /// </summary>
    public void Remove(T? item) => Update(items =>
    {
        if (item is null)
        {
            return [];
        }

        var index = Array.FindIndex(items, registered => ListenerMatch.Matches(registered, item));
        return index < 0 ? items : [.. items[..index], .. items[(index + 1)..]];
    });

    /// <summary>The user's delegates, in order (once wrappers unwrapped): Node's <c>listeners()</c>.</summary>
    public IReadOnlyList<T> Listeners => Array.ConvertAll(Snapshot, ListenerMatch.Unwrap);

    private void Update(Func<T[], T[]> change)
    {
        while (true)
        {
            var current = Volatile.Read(ref _items);
            if (Interlocked.CompareExchange(ref _items, change(current), current) == current)
            {
                return;
            }
        }
    }
}

/// <summary>Handler lists made when their first handler comes (a field left null costs nothing until then).</summary>
internal static class HandlerLists
{
    /// <summary>The list in <paramref name="list"/>, made now if there is none (safe when several threads race).</summary>
    public static HandlerList<T> Of<T>(ref HandlerList<T>? list)
        where T : Delegate =>
        list ?? LazyInitializer.EnsureInitialized(ref list);
}
