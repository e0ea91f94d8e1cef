using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Server.Adapters;

/// <summary>
/// The in-memory adapter with connection state recovery (Node: socket.io-adapter <c>SessionAwareAdapter</c>): every
/// event broadcast without ack and not volatile gets an offset (its last argument) and is kept for the recovery window;
/// a socket that lost its connection is kept by private id, and comes back with the packets sent to its rooms since
/// the client's last offset. One timer sweeps what has expired.
/// </summary>
public class SessionAwareAdapter : InMemoryAdapter
{
    // socket.io-adapter sweeps once a minute.
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMinutes(1);

    private readonly object _sync = new();
    private readonly Dictionary<string, KeptSession> _sessions = new(StringComparer.Ordinal);
    private readonly LinkedList<KeptPacket> _packets = new();
    private readonly Dictionary<string, LinkedListNode<KeptPacket>> _byOffset = new(StringComparer.Ordinal);
    private readonly YeastIds _offsets;
    private readonly TimeSpan _window;
    private readonly int _maxPackets;
    private readonly ITimer _sweep;

    /// <summary>Creates the adapter: sessions and packets are kept for <paramref name="maxDisconnectionDuration"/>, at most <paramref name="maxStoredPackets"/> packets.</summary>
    public SessionAwareAdapter(IAdapterNamespace nsp, TimeSpan maxDisconnectionDuration, int maxStoredPackets = 100_000)
        : base(nsp)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStoredPackets, 1);
        _window = maxDisconnectionDuration;
        _maxPackets = maxStoredPackets;
        _offsets = new YeastIds(nsp.TimeProvider);
        _sweep = nsp.TimeProvider.CreateTimer(static s => ((SessionAwareAdapter)s!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    /// <summary>Sessions kept now (for tests and metrics).</summary>
    public int SessionCount
    {
        get
        {
            lock (_sync)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Packets kept now for replay.</summary>
    public int StoredPacketCount
    {
        get
        {
            lock (_sync)
            {
                return _packets.Count;
            }
        }
    }

    /// <inheritdoc />
    public override ValueTask BroadcastAsync(SocketIoPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(options);
        // Packets with an ack are not kept (the ack cannot be restored), nor volatile ones (in-memory-adapter.ts).
        if (packet.Type is not (SocketIoPacketType.Event or SocketIoPacketType.BinaryEvent) || packet.Id is not null || options.Flags.Volatile || packet.Data is not JArray)
        {
            return base.BroadcastAsync(packet, options);
        }

        var outgoing = OutgoingPacket.Create(packet with { Namespace = Namespace.Name }, options.Flags, _offsets.Next());
        Keep(outgoing, options);
        Deliver(outgoing, options);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override ValueTask PersistSessionAsync(PersistedSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_sync)
        {
            _sessions[session.Pid] = new KeptSession(session, Namespace.TimeProvider.GetTimestamp());
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>A session is given back once: unlike Node's, a second attempt with the same private id finds nothing.</remarks>
    public override ValueTask<RestoredSession?> RestoreSessionAsync(string pid, string offset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pid);
        ArgumentNullException.ThrowIfNull(offset);
        lock (_sync)
        {
            if (!_sessions.Remove(pid, out var kept) || Namespace.TimeProvider.GetElapsedTime(kept.DisconnectedAt) > _window)
            {
                return ValueTask.FromResult<RestoredSession?>(null);
            }

            // An offset that is not kept (too old, or never sent) cannot be replayed from: a fresh socket, not a partial replay.
            if (!_byOffset.TryGetValue(offset, out var node))
            {
                return ValueTask.FromResult<RestoredSession?>(null);
            }

            var missed = new List<JArray>();
            for (var next = node.Next; next is not null; next = next.Next)
            {
                if (next.Value.IsFor(kept.Session.Rooms))
                {
                    missed.Add(next.Value.Data);
                }
            }

            return ValueTask.FromResult<RestoredSession?>(new RestoredSession(kept.Session, missed));
        }
    }

    /// <inheritdoc />
    public override ValueTask CloseAsync()
    {
        _sweep.Dispose();
        return base.CloseAsync();
    }

    private void Keep(OutgoingPacket outgoing, BroadcastOptions options)
    {
        var kept = new KeptPacket(outgoing.Offset!, (JArray)outgoing.Packet.Data!, options.Rooms, options.Except, Namespace.TimeProvider.GetTimestamp());
        lock (_sync)
        {
            _byOffset[kept.Offset] = _packets.AddLast(kept);
            while (_packets.Count > _maxPackets)
            {
                RemoveOldestLocked();
            }
        }
    }

    private void Sweep()
    {
        lock (_sync)
        {
            foreach (var (pid, kept) in _sessions.ToArray())
            {
                if (Namespace.TimeProvider.GetElapsedTime(kept.DisconnectedAt) > _window)
                {
                    _sessions.Remove(pid);
                }
            }

            while (_packets.First is { } oldest && Namespace.TimeProvider.GetElapsedTime(oldest.Value.EmittedAt) > _window)
            {
                RemoveOldestLocked();
            }
        }
    }

    private void RemoveOldestLocked()
    {
        var oldest = _packets.First!;
        _byOffset.Remove(oldest.Value.Offset);
        _packets.RemoveFirst();
    }

    private sealed record KeptSession(PersistedSession Session, long DisconnectedAt);

    private sealed record KeptPacket(string Offset, JArray Data, IReadOnlySet<string> Rooms, IReadOnlySet<string> Except, long EmittedAt)
    {
        /// <summary>Whether a socket in <paramref name="sessionRooms"/> was a target (in-memory-adapter.ts shouldIncludePacket).</summary>
        public bool IsFor(IReadOnlyCollection<string> sessionRooms) =>
            (Rooms.Count == 0 || sessionRooms.Any(Rooms.Contains)) && !sessionRooms.Any(Except.Contains);
    }
}
