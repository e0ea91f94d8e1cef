using System.Buffers;
using System.Globalization;
using System.Numerics;
using MessagePack;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Redis.Codec;

/// <summary>
/// Encodes a <see cref="JToken"/> as <c>@msgpack/msgpack</c> 2.8's <c>encode()</c> with default options (the codec of
/// <c>@socket.io/redis-streams-adapter</c> 0.3.1) encodes the equivalent JS value. It agrees with notepack.io
/// (<see cref="Notepack"/>) byte for byte except in two places, measured on Node: an object member whose value
/// is <c>undefined</c> is written as nil instead of being dropped (<c>{a: undefined}</c> → <c>81 a1 61 c0</c>), and
/// an integral number beyond ±(2^53 − 1) is a float64 (<c>1e20</c> → <c>cb 44 15 …</c>) where notepack writes a
/// wrapped uint64. Everything else is delegated to <see cref="Notepack"/>.
/// </summary>
internal static class MsgpackLiteWriter
{
    private const double MaxSafeInteger = 9007199254740991.0;

    /// <summary>Returns the msgpack bytes of <paramref name="value"/>.</summary>
    public static byte[] Encode(JToken? value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        WriteToken(ref writer, value, 0);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteToken(ref MessagePackWriter writer, JToken? token, int depth)
    {
        if (depth > Notepack.MaxDepth)
        {
            throw new InvalidOperationException($"The value nests arrays/objects deeper than {Notepack.MaxDepth} levels.");
        }

        switch (token?.Type)
        {
            case JTokenType.Object:
                var obj = (JObject)token;
                writer.WriteMapHeader(obj.Count);
                foreach (var property in obj.Properties())
                {
                    Notepack.WriteValue(ref writer, property.Name);
                    WriteToken(ref writer, property.Value, depth + 1);
                }

                break;
            case JTokenType.Array:
                var array = (JArray)token;
                writer.WriteArrayHeader(array.Count);
                foreach (var item in array)
                {
                    WriteToken(ref writer, item, depth + 1);
                }

                break;
            case JTokenType.Integer when IsUnsafeInteger(((JValue)token).Value):
                writer.Write(Convert.ToDouble(((JValue)token).Value, CultureInfo.InvariantCulture));
                break;
            case JTokenType.Float when ((JValue)token).Value is var f && Convert.ToDouble(f, CultureInfo.InvariantCulture) is var d
                && double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) > MaxSafeInteger:
                writer.Write(d);
                break;
            default:
                Notepack.WriteValue(ref writer, token);
                break;
        }
    }

    private static bool IsUnsafeInteger(object? value) => value switch
    {
        long l => l is > 9007199254740991L or < -9007199254740991L,
        ulong u => u > 9007199254740991UL,
        BigInteger big => BigInteger.Abs(big) > new BigInteger(MaxSafeInteger),
        _ => false,
    };
}
