using System.Buffers;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Server.Adapters;

/// <summary>
/// JSON exactly as JavaScript writes and reads it (<c>JSON.stringify</c> / <c>JSON.parse</c>), for anything that
/// must be byte-compatible with Node: cluster adapter messages, for adapter authors (the packet codec itself is internal).
/// </summary>
public static class JsJson
{
    /// <summary>
    /// The UTF-8 bytes <c>JSON.stringify</c> gives for <paramref name="token"/>. Bytes values are written the way
    /// JSON.stringify writes a Node Buffer: <c>{"type":"Buffer","data":[…]}</c>.
    /// </summary>
    public static byte[] Serialize(JToken? token)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        JsJsonWriter.Write(buffer, token, bytesAsNodeBuffer: true);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses one JSON value with JSON.parse's strictness; false when the text is not valid JSON.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out JToken? token) => JsonTokenReader.TryParse(utf8, out token);
}
