namespace SocketIo.Redis;

/// <summary>One Redis publication: the channel and the exact payload bytes.</summary>
/// <param name="Channel">The channel name.</param>
/// <param name="Payload">The payload.</param>
internal readonly record struct WireMessage(string Channel, byte[] Payload);
