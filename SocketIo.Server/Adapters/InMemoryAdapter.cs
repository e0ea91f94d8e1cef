using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Server.Adapters;

/// <summary>
/// The default single-server adapter (Node: socket.io-adapter <c>Adapter</c>): rooms ⇄ sockets maps, and
/// broadcasts encoded once and handed through the port, by socket id, to every recipient.
/// </summary>
public class InMemoryAdapter : SocketIoAdapter
{
    private readonly object _sync = new();
    private readonly Dictionary<string, MemberSet> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MemberSet> _sids = new(StringComparer.Ordinal);

    private readonly LockedSetMap _roomsView;
    private readonly LockedSetMap _sidsView;

    /// <summary>Creates the adapter for a namespace.</summary>
    public InMemoryAdapter(IAdapterNamespace nsp) : base(nsp)
    {
        _roomsView = new LockedSetMap(_sync, _rooms);
        _sidsView = new LockedSetMap(_sync, _sids);
    }

    /// <inheritdoc />
    /// <remarks>Read under the lock that guards the adapter's maps; an enumeration copies the keys, then each set as it is read.</remarks>
    public override IReadOnlyDictionary<string, IReadOnlySet<string>> Rooms => _roomsView;

    /// <inheritdoc />
    /// <remarks>The adapter's own socket → rooms map, read as <see cref="Rooms"/> is.</remarks>
    public override IReadOnlyDictionary<string, IReadOnlySet<string>> Sids => _sidsView;

    /// <inheritdoc />
    public override ValueTask AddAllAsync(string socketId, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        List<(string Room, bool Created)>? events = null;
        lock (_sync)
        {
            if (!_sids.TryGetValue(socketId, out var socketRooms))
            {
                _sids[socketId] = socketRooms = new MemberSet();
            }

            foreach (var room in rooms)
            {
                socketRooms.Add(room);
                var created = false;
                if (!_rooms.TryGetValue(room, out var members))
                {
                    _rooms[room] = members = new MemberSet();
                    created = true;
                }

                if (members.Add(socketId) || created)
                {
                    (events ??= new()).Add((room, created));
                }
            }
        }

        if (events is not null)
        {
            foreach (var (room, created) in events)
            {
                if (created)
                {
                    OnRoomCreated(room);
                }

                OnRoomJoined(room, socketId);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override ValueTask DelAsync(string socketId, string room)
    {
        bool left, deleted;
        lock (_sync)
        {
            if (_sids.TryGetValue(socketId, out var socketRooms))
            {
                socketRooms.Remove(room);
            }

            (left, deleted) = RemoveFromRoomLocked(room, socketId);
        }

        RaiseLeave(room, socketId, left, deleted);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override ValueTask DelAllAsync(string socketId)
    {
        List<(string Room, bool Left, bool Deleted)>? events = null;
        lock (_sync)
        {
            if (!_sids.Remove(socketId, out var socketRooms))
            {
                return ValueTask.CompletedTask;
            }

            foreach (var room in socketRooms)
            {
                var (left, deleted) = RemoveFromRoomLocked(room, socketId);
                (events ??= new()).Add((room, left, deleted));
            }
        }

        if (events is not null)
        {
            foreach (var (room, left, deleted) in events)
            {
                RaiseLeave(room, socketId, left, deleted);
            }
        }

        return ValueTask.CompletedTask;
    }

    private (bool Left, bool Deleted) RemoveFromRoomLocked(string room, string socketId)
    {
        if (!_rooms.TryGetValue(room, out var members))
        {
            return (false, false);
        }

        var left = members.Remove(socketId);
        var deleted = members.Count == 0 && _rooms.Remove(room);
        return (left, deleted);
    }

    private void RaiseLeave(string room, string socketId, bool left, bool deleted)
    {
        if (left)
        {
            OnRoomLeft(room, socketId);
        }

        if (deleted)
        {
            OnRoomDeleted(room);
        }
    }

    /// <inheritdoc />
    public override IReadOnlyCollection<string>? SocketRooms(string socketId)
    {
        lock (_sync)
        {
            return _sids.TryGetValue(socketId, out var rooms) ? rooms.ToArray() : null;
        }
    }

    /// <inheritdoc />
    public override int RoomSize(string room)
    {
        lock (_sync)
        {
            return _rooms.TryGetValue(room, out var members) ? members.Count : 0;
        }
    }

    /// <inheritdoc />
    public override ValueTask BroadcastAsync(SocketIoPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(options);
        Deliver(OutgoingPacket.Create(packet with { Namespace = Namespace.Name }, options.Flags), options);
        return ValueTask.CompletedTask;
    }

    /// <summary>Hands an encoded packet to the local sockets targeted by <paramref name="options"/>, and counts it.</summary>
    protected SendReport Deliver(OutgoingPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var report = Namespace.Send(LocalSocketIds(options), packet);
        Namespace.Metrics.Broadcast(report.Delivered + report.Full.Count);
        return report;
    }

    /// <inheritdoc />
    public override ValueTask BroadcastWithAckAsync(SocketIoPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JToken?> ack)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clientCount);
        ArgumentNullException.ThrowIfNull(ack);
        var answers = Namespace.SendWithAck(LocalSocketIds(options), packet, options.Flags, options.Flags.Timeout);
        // Only the clients that got the packet are counted: one that was full or gone will never answer.
        clientCount(answers.Count);
        Namespace.Metrics.Broadcast(answers.Report.Delivered + answers.Report.Full.Count);
        if (answers.Count > 0)
        {
            _ = ForwardAnswersAsync(answers, ack);
        }

        return ValueTask.CompletedTask;
    }

    private static async Task ForwardAnswersAsync(AckResponses answers, Action<JToken?> ack)
    {
        await foreach (var answer in answers.ConfigureAwait(false))
        {
            if (answer.Status == AckStatus.Answered)
            {
                ack(answer.Value);
            }
        }
    }

    /// <inheritdoc />
    public override ValueTask<IReadOnlyCollection<string>> SocketsAsync(IReadOnlySet<string> rooms, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyCollection<string>>(LocalSocketIds(new BroadcastOptions(rooms)).Where(Namespace.IsConnected).ToArray());

    /// <inheritdoc />
    public override ValueTask<IReadOnlyList<SocketDetails>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Namespace.GetDetails(LocalSocketIds(options)));

    /// <inheritdoc />
    public override async ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms) =>
        await Namespace.JoinAsync(LocalSocketIds(options), rooms).ConfigureAwait(false);

    /// <inheritdoc />
    public override async ValueTask DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms) =>
        await Namespace.LeaveAsync(LocalSocketIds(options), rooms).ConfigureAwait(false);

    /// <inheritdoc />
    public override async ValueTask DisconnectSocketsAsync(BroadcastOptions options, bool close) =>
        await Namespace.DisconnectAsync(LocalSocketIds(options), close).ConfigureAwait(false);

    /// <inheritdoc />
    public override Task<IReadOnlyList<JToken?>> ServerSideEmitAsync(JArray args, bool withAck, CancellationToken cancellationToken = default) =>
        // Alone, there is no other server to reach: an ack completes at once with no responses.
        Task.FromResult<IReadOnlyList<JToken?>>(Array.Empty<JToken?>());

    /// <summary>
    /// The ids of the local sockets targeted by <paramref name="options"/>, each once (Node: <c>apply</c>): members of
    /// any target room (or every socket), minus members of any excluded room. The port skips those not connected yet.
    /// </summary>
    protected IReadOnlyList<string> LocalSocketIds(BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ids = new List<string>();
        lock (_sync)
        {
            HashSet<string>? except = null;
            foreach (var room in options.Except)
            {
                if (_rooms.TryGetValue(room, out var members))
                {
                    except ??= new HashSet<string>(StringComparer.Ordinal);
                    except.UnionWith(members);
                }
            }

            if (options.Rooms.Count > 0)
            {
                HashSet<string>? seen = options.Rooms.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
                foreach (var room in options.Rooms)
                {
                    if (!_rooms.TryGetValue(room, out var members))
                    {
                        continue;
                    }

                    foreach (var id in members)
                    {
                        if ((except is null || !except.Contains(id)) && (seen is null || seen.Add(id)))
                        {
                            ids.Add(id);
                        }
                    }
                }
            }
            else
            {
                foreach (var id in _sids.Keys)
                {
                    if (except is null || !except.Contains(id))
                    {
                        ids.Add(id);
                    }
                }
            }
        }

        return ids;
    }
}
