using System.Text;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// An Engine.IO packet as a session's <c>packet</c> and <c>packetCreate</c> listeners see it (Node: <c>{ type, data }</c>).
/// <see cref="Data"/> is valid only during the listener's call: copy what you keep.
/// </summary>
public readonly struct EngineIoPacketInfo
{
    internal EngineIoPacketInfo(string type, ReadOnlyMemory<byte> data, bool isBinary)
    {
        Type = type;
        Data = data;
        IsBinary = isBinary;
    }

    /// <summary>Node's name of the type: <c>open</c>, <c>close</c>, <c>ping</c>, <c>pong</c>, <c>message</c>, <c>upgrade</c>, <c>noop</c>, or <c>error</c> for one that could not be decoded.</summary>
    public string Type { get; }

    /// <summary>The payload: UTF-8 text, or raw bytes when <see cref="IsBinary"/>.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Whether the payload is binary (only message packets can be).</summary>
    public bool IsBinary { get; }

    /// <summary>The payload as text (decoded on each call), or null when it is binary.</summary>
    public string? Text => IsBinary ? null : Encoding.UTF8.GetString(Data.Span);

    internal static EngineIoPacketInfo From(EnginePacket? packet) => packet is null
        ? new("error", "parser error"u8.ToArray(), false) // engine.io-parser's ERROR_PACKET
        : new(NameOf(packet.Type), packet.Data, packet.IsBinary);

    private static string NameOf(EnginePacketType type) => type switch
    {
        EnginePacketType.Open => "open",
        EnginePacketType.Close => "close",
        EnginePacketType.Ping => "ping",
        EnginePacketType.Pong => "pong",
        EnginePacketType.Message => "message",
        EnginePacketType.Upgrade => "upgrade",
        _ => "noop",
    };
}
