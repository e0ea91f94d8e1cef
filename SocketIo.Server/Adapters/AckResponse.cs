using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Adapters;

/// <summary>One socket's answer to an acknowledged send.</summary>
/// <param name="SocketId">The socket.</param>
/// <param name="Status">Whether it answered, timed out or left.</param>
/// <param name="Value">The first argument of its ack (what Node's broadcast collects), when it answered.</param>
public readonly record struct AckResponse(string SocketId, AckStatus Status, JToken? Value);
