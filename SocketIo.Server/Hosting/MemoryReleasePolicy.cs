namespace SocketIo.Server.Hosting;

/// <summary>
/// Decides when a mass disconnect calls for a full garbage collection. Closed sessions are garbage in gen 2, and a
/// server that goes quiet after they close allocates too little to start another full collection: without one the
/// memory stays with the process (V8's memory reducer does this job for Node). Pure: the caller feeds it counts.
/// </summary>
internal sealed class MemoryReleasePolicy(int minimumClosedSessions)
{
    // How far the count may still move between two looks and count as settled: closes still under way, or clients
    // coming back after a blip, both wait.
    private readonly int _settledWithin = Math.Max(1, minimumClosedSessions / 10);
    private int _peak;
    private long _lastCompaction = -1;
    private int _settlingAt = -1;

    /// <summary>
    /// Looks at the open sessions and the index of the last compacting full collection; true when a release is due now:
    /// the count has fallen by <c>minimumClosedSessions</c> and by half from its high-water mark and has stayed
    /// where it was at the previous look.
    /// </summary>
    public bool Observe(int sessions, long compactingCollections)
    {
        if (compactingCollections != _lastCompaction)
        {
            // A full collection (the runtime's own, or ours) has compacted the heap: what closed before is reclaimed
            // already. Background and sweeping collections do not count: they give little memory back.
            _lastCompaction = compactingCollections;
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

        if (_settlingAt < 0 || Math.Abs(sessions - _settlingAt) > _settledWithin)
        {
            _settlingAt = sessions; // still moving: wait for it to settle
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
