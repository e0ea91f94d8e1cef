using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.EngineIo;
using SocketIo.Server.Protocol;

namespace SocketIo.Server;

/// <summary>
/// A namespace's side of the adapter port: resolves socket ids to the namespace's connected sockets and does the
/// per-socket work (outgoing listeners, queueing the shared frames, ack entries). A separate object, so that the
/// port's operations are not reachable by casting the public namespace.
/// </summary>
internal sealed class AdapterPort : IAdapterNamespace, IAdapterMetrics
{
    private readonly SocketIoNamespace _nsp;

    public AdapterPort(SocketIoNamespace nsp) => _nsp = nsp;

    public string Name => _nsp.Name;

    public TimeProvider TimeProvider => _nsp.Server.TimeProvider;

    public IAdapterMetrics Metrics => this;

    public bool IsConnected(string socketId) => _nsp.Sockets.ContainsKey(socketId);

    public SendReport Send(IReadOnlyList<string> socketIds, OutgoingPacket packet)
    {
        ArgumentNullException.ThrowIfNull(socketIds);
        ArgumentNullException.ThrowIfNull(packet);
        var delivered = 0;
        List<string>? full = null, gone = null;
        for (var i = 0; i < socketIds.Count; i++)
        {
            var id = socketIds[i];
            if (!_nsp.Sockets.TryGetValue(id, out var socket))
            {
                (gone ??= new()).Add(id);
                continue;
            }

            socket.NotifyOutgoingListeners(packet.Packet);
            switch (socket.Connection.WriteToEngine(packet.WireFor(_nsp.Server.Parser), packet.Volatile))
            {
                case EngineWriteResult.Written:
                    delivered++;
                    break;
                case EngineWriteResult.Full:
                    (full ??= new()).Add(id);
                    break;
                default:
                    (gone ??= new()).Add(id);
                    break;
            }
        }

        return new SendReport(delivered, full, gone);
    }

    public AckResponses SendWithAck(IReadOnlyList<string> socketIds, SocketIoPacket packet, BroadcastFlags flags, TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(socketIds);
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(flags);
        var ackId = _nsp.NextAckId();
        var outgoing = OutgoingPacket.Create(packet with { Namespace = _nsp.Name, Id = ackId }, flags);
        var collector = new AckCollector(ackId);
        var delivered = 0;
        List<string>? full = null, gone = null;
        for (var i = 0; i < socketIds.Count; i++)
        {
            var id = socketIds[i];
            if (!_nsp.Sockets.TryGetValue(id, out var socket))
            {
                (gone ??= new()).Add(id);
                continue;
            }

            // The entry exists before the packet leaves: a fast client's answer always finds it.
            collector.Expect(socket);
            socket.NotifyOutgoingListeners(outgoing.Packet);
            var result = socket.Connection.WriteToEngine(outgoing.WireFor(_nsp.Server.Parser), outgoing.Volatile);
            if (result == EngineWriteResult.Written)
            {
                delivered++;
                continue;
            }

            collector.Forget(socket);
            (result == EngineWriteResult.Full ? full ??= new() : gone ??= new()).Add(id);
        }

        collector.Start(TimeProvider, timeout);
        return new AckResponses(new SendReport(delivered, full, gone), collector.Reader);
    }

    public ValueTask<int> DisconnectAsync(IReadOnlyList<string> socketIds, bool close) =>
        ForEachConnectedAsync(socketIds, socket => socket.DisconnectAsync(close));

    public ValueTask<int> JoinAsync(IReadOnlyList<string> socketIds, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        return ForEachConnectedAsync(socketIds, socket => socket.JoinAsync(rooms));
    }

    public ValueTask<int> LeaveAsync(IReadOnlyList<string> socketIds, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        return ForEachConnectedAsync(socketIds, async socket =>
        {
            foreach (var room in rooms)
            {
                await socket.LeaveAsync(room).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Runs <paramref name="action"/> on each listed socket that is connected, in order; returns how many there were.</summary>
    private async ValueTask<int> ForEachConnectedAsync(IReadOnlyList<string> socketIds, Func<SocketIoSocket, ValueTask> action)
    {
        ArgumentNullException.ThrowIfNull(socketIds);
        var sockets = Resolve(socketIds);
        foreach (var socket in sockets)
        {
            await action(socket).ConfigureAwait(false);
        }

        return sockets.Count;
    }

    public IReadOnlyList<SocketDetails> GetDetails(IReadOnlyList<string> socketIds)
    {
        ArgumentNullException.ThrowIfNull(socketIds);
        var details = new List<SocketDetails>(socketIds.Count);
        foreach (var socket in Resolve(socketIds))
        {
            details.Add(socket.ToDetails());
        }

        return details;
    }

    public void OnServerSideEmit(JArray args, Action<JToken?>? ack) => _nsp.OnServerSideEmit(args, ack);

    void IAdapterMetrics.Broadcast(int recipients) => _nsp.Server.Metrics.Broadcast(_nsp.Name, recipients);

    /// <summary>The listed sockets that are connected, resolved up front: an operation may disconnect them as it goes.</summary>
    private List<SocketIoSocket> Resolve(IReadOnlyList<string> socketIds)
    {
        var sockets = new List<SocketIoSocket>(socketIds.Count);
        for (var i = 0; i < socketIds.Count; i++)
        {
            if (_nsp.Sockets.TryGetValue(socketIds[i], out var socket))
            {
                sockets.Add(socket);
            }
        }

        return sockets;
    }
}
