using System.Text;

namespace SocketIo.Server.EngineIo;

/// <summary>A received Engine.IO message: UTF-8 text or binary bytes.</summary>
public readonly record struct EngineMessage(ReadOnlyMemory<byte> Data, bool IsBinary)
{
    /// <summary>The message as text (decoded on each call; Node's string <c>data</c>), or null when it is binary.</summary>
    public string? Text => IsBinary ? null : Encoding.UTF8.GetString(Data.Span);
}
