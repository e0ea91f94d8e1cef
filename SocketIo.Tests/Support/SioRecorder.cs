namespace SocketIo.Tests.Support;

/// <summary>
/// Collects what server-side handlers observe (events, reasons, errors) from any thread, and lets a test wait,
/// bounded, until a number of items has arrived.
/// </summary>
internal sealed class SioRecorder<T>
{
    private readonly object _sync = new();
    private readonly List<T> _items = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_sync)
            {
                return [.. _items];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _items.Count;
            }
        }
    }

    public void Add(T item)
    {
        List<TaskCompletionSource> done = [];
        lock (_sync)
        {
            _items.Add(item);
            _waiters.RemoveAll(w =>
            {
                if (w.Count > _items.Count)
                {
                    return false;
                }

                done.Add(w.Done);
                return true;
            });
        }

        foreach (var d in done)
        {
            d.TrySetResult();
        }
    }

    /// <summary>A handler that records its argument.</summary>
    public ValueTask AddAsync(T item)
    {
        Add(item);
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits until at least <paramref name="count"/> items have arrived; returns them all.</summary>
    public async Task<IReadOnlyList<T>> WaitForAsync(int count, string what)
    {
        Task wait;
        lock (_sync)
        {
            if (_items.Count >= count)
            {
                return [.. _items];
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            wait = done.Task;
        }

        await wait.WithTimeout($"{count} × {what}");
        return Items;
    }

    /// <summary>Waits for the first item.</summary>
    public async Task<T> FirstAsync(string what) => (await WaitForAsync(1, what))[0];
}
