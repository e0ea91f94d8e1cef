namespace SocketIo.Server.Protocol;

/// <summary>
/// A packet encoded for the wire: the UTF-8 text header (type, attachments, namespace, id, JSON) and the binary
/// attachments that follow it in order. Encoded once, sent as is to every recipient.
/// </summary>
/// <param name="Text">The UTF-8 text part.</param>
/// <param name="Attachments">The binary attachments, empty for plain packets.</param>
internal sealed record EncodedSocketIoPacket(ReadOnlyMemory<byte> Text, IReadOnlyList<ReadOnlyMemory<byte>> Attachments);
