using MessagePack;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol.Msgpack;

namespace SocketIo.Server.Adapters;

/// <summary>
/// msgpack exactly as notepack.io 3.x writes and reads it (the codec of Node's Redis adapters), for adapter authors;
/// the same codec serves the msgpack packet parser, which is internal. Value model: see <see cref="JsJson"/>, plus
/// bytes as bin, Dates as the timestamp extension and <see cref="JTokenType.Undefined"/> as an omitted member.
/// </summary>
public static class Notepack
{
    /// <summary>The deepest nesting of arrays and maps that is written or read.</summary>
    public const int MaxDepth = NotepackWriter.MaxDepth;

    /// <summary>The msgpack bytes notepack.io gives for the JS value <paramref name="value"/> stands for.</summary>
    public static byte[] Encode(JToken? value) => NotepackWriter.Encode(value);

    /// <summary>Writes one value on an existing writer (so that a caller can write its own headers around it); the caller flushes.</summary>
    public static void WriteValue(ref MessagePackWriter writer, JToken? value) => NotepackWriter.WriteValue(ref writer, value);

    /// <summary>Decodes exactly one msgpack value filling <paramref name="data"/>; never throws for bad input.</summary>
    /// <param name="data">The payload.</param>
    /// <param name="value">The value, or null on failure.</param>
    /// <param name="error">Why decoding failed, or null on success.</param>
    /// <returns>False when the payload is not one valid msgpack value.</returns>
    public static bool TryDecode(ReadOnlyMemory<byte> data, out JToken? value, out string? error) => NotepackReader.TryDecode(data, out value, out error);
}
