using System.Buffers;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// What a listener's <see cref="LoopConnection"/>s share: the memory pool their pipes take blocks from (one per
/// listener, from Kestrel's pool factory, disposed with the listener) and the pipes' limits, Kestrel's socket
/// transport options (<c>MaxReadBufferSize</c>, <c>MaxWriteBufferSize</c>).
/// </summary>
internal sealed record LoopConnectionOptions(MemoryPool<byte> Pool, long? MaxReadBufferSize, long? MaxWriteBufferSize);
