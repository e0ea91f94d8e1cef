using System.Net.WebSockets;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// A WebSocket engine (Node: <c>wsEngine</c>) that can queue a frame by reference. The frames the Engine.IO transport
/// sends are never changed once encoded, and a broadcast's are shared by all its recipients: an engine that implements
/// this may keep the memory until it is written instead of copying it into every connection's queue, as ws writes
/// the one encoded buffer to every socket. <see cref="WebSocket.SendAsync(ReadOnlyMemory{byte}, WebSocketMessageType, WebSocketMessageFlags, CancellationToken)"/>
/// cannot: its caller may reuse the memory as soon as it completes.
/// </summary>
public interface IEngineIoSharedFrameWebSocket
{
    /// <summary>
    /// Sends one whole message whose memory stays unchanged for as long as the engine holds it. Completes once the
    /// message is queued, or once the queue is under the engine's limit again; flags as for <c>SendAsync</c>.
    /// </summary>
    ValueTask SendSharedAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken);
}
