using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol;

/// <summary>
/// A decoded Socket.IO packet, or one to encode. Binary values live inside <see cref="Data"/> as
/// <see cref="JTokenType.Bytes"/> values at any depth; the codec swaps them for placeholders on the wire.
/// </summary>
/// <param name="Type">The packet type; Event/Ack become Binary* on encode when the data holds bytes.</param>
/// <param name="Namespace">The namespace, <c>/</c> by default.</param>
/// <param name="Data">The JSON payload, or null when absent.</param>
/// <param name="Id">The ack id, if any.</param>
public sealed record SocketIoPacket(SocketIoPacketType Type, string Namespace, JToken? Data, long? Id = null);
