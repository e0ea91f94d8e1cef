using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Adapters;

/// <summary>
/// What connection state recovery keeps of a socket that lost its connection (Node: <c>SessionToPersist</c>): its id,
/// its private session id, its rooms and data.
/// </summary>
/// <param name="Sid">The socket id the client gets back.</param>
/// <param name="Pid">The private session id the client presents to recover (sent in the CONNECT reply).</param>
/// <param name="Rooms">The rooms to rejoin.</param>
/// <param name="Data">The socket's <c>data</c>.</param>
public sealed record PersistedSession(string Sid, string Pid, IReadOnlyCollection<string> Rooms, JToken? Data);
