using System.Text;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// Whether the first bytes of a connection are an HTTP/1.1 request for the Engine.IO endpoint itself (a polling GET
/// or POST, or an upgrade the listener did not open): the connections whose handlers are ours.
/// </summary>
internal static class EngineRequestLine
{
    private static ReadOnlySpan<byte> Get => "GET "u8;

    private static ReadOnlySpan<byte> Post => "POST "u8;

    /// <summary>The prefix as it appears on the wire, for <see cref="Targets"/>.</summary>
    public static byte[] Encode(string prefix) => Encoding.ASCII.GetBytes(prefix);

    /// <summary>
    /// True when <paramref name="head"/> starts with <c>GET</c> or <c>POST</c> and a target that is exactly the engine
    /// path (followed by its query or the end of the target), as <see cref="DirectWebSocketAdmission.Admit"/> compares it.
    /// </summary>
    public static bool Targets(ReadOnlySpan<byte> head, ReadOnlySpan<byte> prefix)
    {
        ReadOnlySpan<byte> rest;
        if (head.StartsWith(Get))
        {
            rest = head[Get.Length..];
        }
        else if (head.StartsWith(Post))
        {
            rest = head[Post.Length..];
        }
        else
        {
            return false;
        }

        return rest.Length > prefix.Length && rest.StartsWith(prefix) && rest[prefix.Length] is (byte)'?' or (byte)' ';
    }
}
