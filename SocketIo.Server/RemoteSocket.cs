using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Server;

/// <summary>
/// A socket returned by <c>FetchSocketsAsync</c>, on this node or another (Node: <c>RemoteSocket</c>): its details,
/// and operations that go through the adapter so they work across the cluster.
/// </summary>
public sealed class RemoteSocket
{
    private readonly BroadcastOperator _operator;

    internal RemoteSocket(SocketIoNamespace nsp, SocketDetails details)
    {
        Id = details.Id;
        Handshake = details.Handshake;
        Rooms = details.Rooms;
        Data = details.Data;
        _operator = new BroadcastOperator(nsp, new HashSet<string>(StringComparer.Ordinal) { details.Id }, null, BroadcastFlags.None).ExpectSingleResponse;
    }

    /// <summary>Socket id.</summary>
    public string Id { get; }

    /// <summary>Handshake details.</summary>
    public SocketIoHandshake Handshake { get; }

    /// <summary>Rooms at fetch time.</summary>
    public IReadOnlyCollection<string> Rooms { get; }

    /// <summary>The socket's data at fetch time.</summary>
    public JToken? Data { get; }

    /// <summary>Emits to this socket (Node: <c>remoteSocket.emit</c>).</summary>
    public ValueTask EmitAsync(string eventName, params object?[] args) => _operator.EmitAsync(eventName, args);

    /// <summary>Emits with an ack timeout; the ack resolves with one value (Node: <c>remoteSocket.timeout(ms)</c>).</summary>
    public RemoteSocketEmitter Timeout(TimeSpan timeout) => new(_operator.Timeout(timeout));

    /// <summary>Joins rooms (Node: <c>remoteSocket.join</c>).</summary>
    public ValueTask JoinAsync(params string[] rooms) => _operator.SocketsJoinAsync(rooms);

    /// <summary>Leaves rooms (Node: <c>remoteSocket.leave</c>).</summary>
    public ValueTask LeaveAsync(params string[] rooms) => _operator.SocketsLeaveAsync(rooms);

    /// <summary>Disconnects (Node: <c>remoteSocket.disconnect(close)</c>).</summary>
    public ValueTask DisconnectAsync(bool close = false) => _operator.DisconnectSocketsAsync(close);
}
