using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Adapters;

/// <summary>What <c>fetchSockets</c> learns of a socket, local or on another node (Node: <c>SocketDetails</c>).</summary>
/// <param name="Id">Socket id.</param>
/// <param name="Handshake">Handshake details.</param>
/// <param name="Rooms">Rooms the socket is in.</param>
/// <param name="Data">The socket's <c>data</c>.</param>
public sealed record SocketDetails(string Id, SocketIoHandshake Handshake, IReadOnlyCollection<string> Rooms, JToken? Data);
