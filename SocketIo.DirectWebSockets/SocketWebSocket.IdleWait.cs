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
    private bool _inputKnown; // EndedWithoutClose saw input waiting: the receive need not probe for it again

    public ValueTask WaitToReceiveAsync() =>
        IdleOnTheLoop ? _io.WaitToReceiveAsync() : default;

    /// <summary>One peek at a byte (the probe the receive would make anyway, which it then skips).</summary>
    public bool EndedWithoutClose()
    {
        if (!IdleOnTheLoop || _inMessage)
        {
            return false;
        }

        Span<byte> one = stackalloc byte[1];
        int peeked;
        try
        {
            peeked = _io.ReceiveNow(one, out _, System.Net.Sockets.SocketFlags.Peek);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false; // a reset: the receive reports it
        }

        if (peeked == 0)
        {
            MarkAborted();
            return true;
        }

        _inputKnown = peeked > 0;
        return false;
    }

    private bool IdleOnTheLoop =>
        _io.OnEventLoop && _buffer is null && !_compressed && State is (WebSocketState.Open or WebSocketState.CloseSent);

    /// <summary>Whether the receive's idle probe can be skipped (the transport's peek just saw input); resets it.</summary>
    private bool TakeInputKnown()
    {
        var known = _inputKnown;
        _inputKnown = false;
        return known;
    }
}
