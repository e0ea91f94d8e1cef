using System.Buffers;
using SocketIo.DirectWebSockets;

namespace SocketIo.Fuzz;

/// <summary>
/// The HTTP upgrade parser of the lean WebSocket path (<c>WebSocketHandshakeRequest.TryParse</c>, then the questions
/// the listener asks of it). Byte 0 says where to split the rest into two buffer segments, as a head arriving in two
/// reads would be. Rejection is null (the connection goes to Kestrel).
/// </summary>
internal static class WebSocketHandshakeTarget
{
    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var head = input.AsMemory(1);
        var split = Math.Min(input[0], head.Length);
        var request = WebSocketHandshakeRequest.TryParse(TwoSegments.Of(head[..split], head[split..]));
        if (request is null)
        {
            return;
        }

        FuzzInvariantException.Check(request.Length > 0 && request.Length <= head.Length, "head length out of range");
        FuzzInvariantException.Check(request.Path + (request.QueryString.Length > 0 || request.Target.Contains('?', StringComparison.Ordinal) ? "?" + request.QueryString : string.Empty) == request.Target, "path and query do not make the target");
        // The same head in one segment parses to the same request.
        var whole = WebSocketHandshakeRequest.TryParse(new ReadOnlySequence<byte>(head));
        FuzzInvariantException.Check(whole is not null && whole.Target == request.Target && whole.Length == request.Length, "segmenting changed the parse");
        if (request.IsPlainUpgrade())
        {
            _ = request.SwitchingProtocolsResponse();
        }
    }
}
