using System.Collections.Concurrent;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.ExternalAdapters;

/// <summary>
/// A single-server adapter written from scratch against the public port only, the way a third party would start one:
/// one concurrent table of (room, socket id) memberships, every operation a filter over it handed to
/// <see cref="IAdapterNamespace"/> by id. It shares no code with the built-in in-memory adapter.
/// </summary>
public sealed class RoomTableAdapter : SocketIoAdapter
{
    private readonly ConcurrentDictionary<(string Room, string Sid), byte> _memberships = new();

    /// <summary>Creates the adapter for the namespace behind <paramref name="port"/>.</summary>
    public RoomTableAdapter(IAdapterNamespace port) : base(port)
    {
        Rooms = new RoomView(_memberships);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A filter over the table at each read; <see cref="SocketIoAdapter.Sids"/> is left to the base class, which works
    /// it out from this.
    /// </remarks>
    public override IReadOnlyDictionary<string, IReadOnlySet<string>> Rooms { get; }

    /// <inheritdoc />
    public override ValueTask AddAllAsync(string socketId, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        foreach (var room in rooms)
        {
            var created = RoomSize(room) == 0;
            if (_memberships.TryAdd((room, socketId), 0))
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
        if (_memberships.TryRemove((room, socketId), out _))
        {
            OnRoomLeft(room, socketId);
            if (RoomSize(room) == 0)
            {
                OnRoomDeleted(room);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override async ValueTask DelAllAsync(string socketId)
    {
        foreach (var room in SocketRooms(socketId) ?? [])
        {
            await DelAsync(socketId, room).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override IReadOnlyCollection<string>? SocketRooms(string socketId)
    {
        var rooms = _memberships.Keys.Where(k => k.Sid == socketId).Select(k => k.Room).ToArray();
        return rooms.Length == 0 ? null : rooms;
    }

    /// <inheritdoc />
    public override int RoomSize(string room) => _memberships.Keys.Count(k => k.Room == room);

    /// <inheritdoc />
    public override ValueTask BroadcastAsync(SocketIoPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(options);
        var report = Namespace.Send(Targets(options), OutgoingPacket.Create(packet with { Namespace = Namespace.Name }, options.Flags));
        Namespace.Metrics.Broadcast(report.Delivered + report.Full.Count);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override ValueTask BroadcastWithAckAsync(SocketIoPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JToken?> ack)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clientCount);
        var answers = Namespace.SendWithAck(Targets(options), packet, options.Flags, options.Flags.Timeout);
        clientCount(answers.Count);
        _ = CollectAsync(answers, ack);
        return ValueTask.CompletedTask;
    }

    private static async Task CollectAsync(AckResponses answers, Action<JToken?> ack)
    {
        await foreach (var answer in answers.ConfigureAwait(false))
        {
            if (answer.Status is AckStatus.Answered)
            {
                ack(answer.Value);
            }
        }
    }

    /// <inheritdoc />
    public override ValueTask<IReadOnlyCollection<string>> SocketsAsync(IReadOnlySet<string> rooms, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyCollection<string>>(Targets(new BroadcastOptions(rooms)).Where(Namespace.IsConnected).ToArray());

    /// <inheritdoc />
    public override ValueTask<IReadOnlyList<SocketDetails>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Namespace.GetDetails(Targets(options)));

    /// <inheritdoc />
    public override async ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms) =>
        await Namespace.JoinAsync(Targets(options), rooms).ConfigureAwait(false);

    /// <inheritdoc />
    public override async ValueTask DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms) =>
        await Namespace.LeaveAsync(Targets(options), rooms).ConfigureAwait(false);

    /// <inheritdoc />
    public override async ValueTask DisconnectSocketsAsync(BroadcastOptions options, bool close) =>
        await Namespace.DisconnectAsync(Targets(options), close).ConfigureAwait(false);

    /// <inheritdoc />
    public override Task<IReadOnlyList<JToken?>> ServerSideEmitAsync(JArray args, bool withAck, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<JToken?>>([]);

    /// <summary>Every socket with a membership in a target room (or any socket), none in an excluded room; each once.</summary>
    private string[] Targets(BroadcastOptions options)
    {
        var excluded = _memberships.Keys.Where(k => options.Except.Contains(k.Room)).Select(k => k.Sid).ToHashSet(StringComparer.Ordinal);
        return _memberships.Keys
            .Where(k => options.Rooms.Count == 0 || options.Rooms.Contains(k.Room))
            .Select(k => k.Sid)
            .Where(sid => !excluded.Contains(sid))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }
}
