using System.Text;
using SocketIo.Server.EngineIo;

namespace SocketIo.InteropServer;

/// <summary>The contract's bare <c>/engine.io/</c> endpoint: every message goes straight back to its session.</summary>
internal sealed class EngineIoEchoHandler : EngineIoHandler
{
    public override void OnConnection(EngineIoSocket socket)
    {
    }

    public override void OnMessage(EngineIoSocket socket, EngineMessage message)
    {
        if (message.IsBinary)
        {
            socket.Send(message.Data);
        }
        else
        {
            socket.Send(Encoding.UTF8.GetString(message.Data.Span));
        }
    }

    public override void OnClose(EngineIoSocket socket, string reason, string? description)
    {
    }
}
