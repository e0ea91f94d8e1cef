namespace SocketIo.Server.Hosting;

/// <summary>
/// Decides when a mass disconnect calls for a full garbage collection. Closed sessions are garbage in gen 2, and a
/// server that goes quiet after they close allocates too little to start another full collection: without one the
/// memory stays with the process (V8's memory reducer does this job for Node). Pure: the caller feeds it counts.
/// </summary>
internal sealed class MemoryReleasePolicy(int minimumClosedSessions)
{
    private int _peak;
    private int _fullCollections = -1;
    private int _settlingAt = -1;

    /// <summary>
    /// Looks at the open sessions and the number of full collections so far; true when a release is due now
    /// (the count has fallen by <c>minimumClosedSessions</c> and by half from its high-water mark and has stopped
    /// falling since the previous look).
    /// </summary>
    public bool Observe(int sessions, int fullCollections)
    {
        if (fullCollections != _fullCollections)
        {
            // The runtime collected on its own (or we did): what closed before now is reclaimed already.
            _fullCollections = fullCollections;
            Rebase(sessions);
            return false;
        }

        if (sessions >= _peak)
        {
            Rebase(sessions);
            return false;
        }

        if (_peak - sessions < minimumClosedSessions || sessions > _peak / 2)
        {
            _settlingAt = -1;
            return false;
        }

        if (_settlingAt < 0 || sessions < _settlingAt)
        {
            _settlingAt = sessions; // still closing: wait for the last of them
            return false;
        }

        Rebase(sessions);
        return true;
    }

    private void Rebase(int sessions)
    {
        _peak = sessions;
        _settlingAt = -1;
    }
}
