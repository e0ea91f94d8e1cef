using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Adapters;

/// <summary>A session found again, with the packets its client missed (Node: <c>Session</c>).</summary>
/// <param name="Session">What was kept.</param>
/// <param name="MissedPackets">The arguments of every packet sent to the session since the client's offset, in order, each ending with its own offset.</param>
public sealed record RestoredSession(PersistedSession Session, IReadOnlyList<JArray> MissedPackets);
