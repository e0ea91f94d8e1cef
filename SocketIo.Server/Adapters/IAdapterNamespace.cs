using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Server.Adapters;

/// <summary>
/// The port through which an adapter reaches its namespace, in socket ids and encoded packets (the model of
/// socketioxide's <c>SocketEmitter</c> and of SignalR's <c>HubLifetimeManager</c> connection store). An adapter keeps
/// the rooms; the namespace keeps the sockets. Nothing here hands out a socket object, so an adapter written in any
/// assembly can do everything the built-in ones do.
/// </summary>
public interface IAdapterNamespace
{
    /// <summary>The namespace name, e.g. <c>/</c> or <c>/chat</c>.</summary>
    string Name { get; }

    /// <summary>Time source for request timeouts and ack deadlines.</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>
    /// Whether a socket of this server is connected to the namespace. A socket that joined rooms in a middleware is in
    /// the adapter's maps before it is connected, and is skipped by every operation until it is (Node: <c>apply</c>
    /// looks each id up in <c>nsp.sockets</c>).
    /// </summary>
    bool IsConnected(string socketId);

    /// <summary>
    /// Hands one encoded packet to each listed local socket (Node: the loop of <c>Adapter.broadcast</c>): outgoing
    /// listeners are told, and the same encoded bytes are queued on every session. Never waits for a client.
    /// </summary>
    /// <returns>How many were reached, and which were full (over their outbound limit) or gone (not connected).</returns>
    SendReport Send(IReadOnlyList<string> socketIds, OutgoingPacket packet);

    /// <summary>
    /// Sends a packet that every listed local socket acknowledges (Node: <c>Adapter.broadcastWithAck</c>): the packet
    /// gets a fresh ack id of the namespace, is encoded once, and the answers arrive on the returned stream, which ends
    /// when every reached socket has answered, left, or <paramref name="timeout"/> has passed (those still silent then
    /// are reported as timed out). Null waits for as long as the sockets stay.
    /// </summary>
    AckResponses SendWithAck(IReadOnlyList<string> socketIds, SocketIoPacket packet, BroadcastFlags flags, TimeSpan? timeout);

    /// <summary>Disconnects the listed local sockets (Node: <c>socket.disconnect(close)</c>); returns how many were found.</summary>
    ValueTask<int> DisconnectAsync(IReadOnlyList<string> socketIds, bool close);

    /// <summary>Makes the listed local sockets join rooms (Node: <c>socket.join</c>); returns how many were found.</summary>
    ValueTask<int> JoinAsync(IReadOnlyList<string> socketIds, IReadOnlyCollection<string> rooms);

    /// <summary>Makes the listed local sockets leave rooms (Node: <c>socket.leave</c>); returns how many were found.</summary>
    ValueTask<int> LeaveAsync(IReadOnlyList<string> socketIds, IReadOnlyCollection<string> rooms);

    /// <summary>What <c>fetchSockets</c> reports of the listed local sockets that are connected, in order.</summary>
    IReadOnlyList<SocketDetails> GetDetails(IReadOnlyList<string> socketIds);

    /// <summary>The namespace's metrics, so that every adapter reports the same instruments.</summary>
    IAdapterMetrics Metrics { get; }

    /// <summary>
    /// Delivers an event emitted by another node with <c>serverSideEmit</c> to the local listeners (Node:
    /// <c>nsp._onServerSideEmit</c>). <paramref name="ack"/>, when given, receives the local answer.
    /// </summary>
    void OnServerSideEmit(JArray args, Action<JToken?>? ack);
}
