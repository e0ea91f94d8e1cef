using System.Collections.Concurrent;
using SocketIo.Server.EngineIo;
using SocketIo.Server.EngineIo.Transports;

namespace SocketIo.Tests.Support;

/// <summary>A transport's listener that records its errors and ignores the rest.</summary>
internal sealed class TransportErrors : IEngineTransportListener
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public void OnTransportPacket(EngineTransport transport, EnginePacket? packet)
    {
    }

    public void OnTransportReady(EngineTransport transport)
    {
    }

    public void OnTransportError(EngineTransport transport, string message) => Messages.Enqueue(message);

    public void OnTransportClose(EngineTransport transport)
    {
    }
}
