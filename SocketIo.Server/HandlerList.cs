namespace SocketIo.Server;

/// <summary>A copy-on-write list of handlers: cheap to snapshot on every dispatch, safe to change from any thread.</summary>
internal sealed class HandlerList<T>
    where T : class
{
    private T[] _items = [];

    public T[] Snapshot => Volatile.Read(ref _items);

    public void Add(T item) => Update(items => [.. items, item]);

    public void Prepend(T item) => Update(items => [item, .. items]);

    /// <summary>Removes the first occurrence of <paramref name="item"/>, or everything when it is null.</summary>
    public void Remove(T? item) => Update(items =>
    {
        if (item is null)
        {
            return [];
        }

        var index = Array.IndexOf(items, item);
        return index < 0 ? items : [.. items[..index], .. items[(index + 1)..]];
    });

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
