using System.Net.WebSockets;
using SocketIo.Server.EngineIo;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// The idle wait apart from the receive (<see cref="IEngineIoIdleWaitWebSocket"/>): on the event loop it is the
/// socket's readiness report itself, so an idle session holds no pending receive. Off the loop, and whenever the
/// receive has something to do without the socket (bytes already read, a compressed message under way), it
/// completes at once and the receive waits as before.
/// </summary>
internal sealed partial class SocketWebSocket : IEngineIoIdleWaitWebSocket
{
    public ValueTask WaitToReceiveAsync() =>
        _io.OnEventLoop && _buffer is null && !_compressed && State is (WebSocketState.Open or WebSocketState.CloseSent)
            ? _io.WaitToReceiveAsync()
            : default;
}
