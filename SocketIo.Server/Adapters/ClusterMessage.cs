using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Adapters;

/// <summary>
/// One message between cluster nodes, in socket.io-adapter's shape (redis-wire §8.1):
/// <c>{type, data, uid, nsp}</c>. <see cref="Data"/> keeps the JS field names; transports encode it as they must.
/// </summary>
/// <param name="Type">The message type.</param>
/// <param name="Data">The payload object, or null for types without data.</param>
/// <param name="Uid">The sender adapter's uid, or null when the sender gave none (the emitter's join/leave).</param>
/// <param name="Nsp">The namespace.</param>
public sealed record ClusterMessage(ClusterMessageType Type, JObject? Data, string? Uid, string Nsp)
{
    /// <summary>The <c>requestId</c> of the data, if any.</summary>
    public string? RequestId => Data?["requestId"] is { Type: JTokenType.String } id ? (string)id! : null;
}
