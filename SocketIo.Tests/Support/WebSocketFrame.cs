using System.Net.WebSockets;
using System.Text;

namespace SocketIo.Tests.Support;

/// <summary>One whole WebSocket message as the client received it.</summary>
internal sealed record WebSocketFrame(WebSocketMessageType Type, byte[] Data, WebSocketCloseStatus? CloseStatus)
{
    public string Text => Encoding.UTF8.GetString(Data);

    public override string ToString() => Type switch
    {
        WebSocketMessageType.Text => $"text \"{Text}\"",
        WebSocketMessageType.Binary => $"binary [{Convert.ToHexString(Data)}]",
        _ => $"close {CloseStatus}",
    };
}
