using SocketIo.Server.EngineIo;

namespace SocketIo.Fuzz;

/// <summary>One Engine.IO text frame (a WebSocket text message): <c>EnginePacketCodec.TryDecodeText</c>.</summary>
internal static class EnginePacketTarget
{
    public static void Run(byte[] input)
    {
        // false is the documented rejection (empty, unknown type digit); a decoded packet must give back its frame.
        if (EnginePacketCodec.TryDecodeText(input, out var packet))
        {
            FuzzInvariantException.Check(packet is { IsBinary: false }, "a text frame decoded as binary");
            FuzzInvariantException.Check(packet!.TextFrame.Span.SequenceEqual(input), "the packet does not re-encode to its frame");
        }
    }
}
