using SocketIo.Server.EngineIo;

namespace SocketIo.InteropServer;

/// <summary>The contract's bare <c>/engine.io/</c> endpoint: every message goes straight back to its session.</summary>
internal sealed class EngineIoEchoHandler : EngineIoHandler
{
    public override void OnConnection(EngineIoSocket socket)
    {
    }

    public override void OnMessage(EngineIoSocket socket, EngineMessage message) =>
        socket.SendPacket(message.IsBinary
            ? EnginePacket.Binary(message.Data)
            : EnginePacket.Text(EnginePacketType.Message, message.Data));

    public override void OnClose(EngineIoSocket socket, string reason, string? description)
    {
    }
}
