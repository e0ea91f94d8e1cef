namespace SocketIo.AdminUi;

/// <summary>
/// Session ids in this process (Node: <c>InMemoryStore</c>), at most <see cref="Capacity"/> of them: Node's set grows
/// with every login; here the oldest is forgotten first, and its dashboard logs in again.
/// </summary>
public sealed class InMemoryAdminUiStore : AdminUiStore
{
    private readonly object _sync = new();
    private readonly HashSet<string> _sessions = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Keeps up to <paramref name="capacity"/> sessions.</summary>
    public InMemoryAdminUiStore(int capacity = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>The most sessions kept.</summary>
    public int Capacity { get; }

    /// <inheritdoc />
    public override ValueTask<bool> DoesSessionExistAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            return ValueTask.FromResult(_sessions.Contains(sessionId));
        }
    }

    /// <inheritdoc />
    public override ValueTask SaveSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            if (_sessions.Add(sessionId))
            {
                _order.Enqueue(sessionId);
                if (_order.Count > Capacity)
                {
                    _sessions.Remove(_order.Dequeue());
                }
            }
        }

        return ValueTask.CompletedTask;
    }
}
