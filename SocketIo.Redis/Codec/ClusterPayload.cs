using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Redis.Codec;

/// <summary>
/// The payload-level rules shared by classic requests/responses and every sharded message: the 0x7B test that tells
/// JSON from msgpack (redis-wire §2.3) and the "contains binary" test that picks the sharded encoding (§8.1, UT:1-30).
/// </summary>
internal static class ClusterPayload
{
    /// <summary>The byte <c>{</c> (0x7B) that marks a JSON payload (§2.3).</summary>
    public const byte JsonMarker = 0x7B;

    /// <summary>
    /// Decodes a payload as Node does wherever both encodings are allowed (RA:255-265 requests, RA:496-506 responses,
    /// SH:194-204 sharded messages): first byte <c>{</c> → <c>JSON.parse</c> of the whole payload (UTF-8), anything
    /// else → msgpack (notepack). JSON with leading whitespace therefore fails both ways (§2.3; cap
    /// <c>robustness-classic-redis4/Q04</c>, <c>robustness-sharded-redis4/S06</c>). Not for the classic broadcast
    /// channel, which is always msgpack (RA:215): use <see cref="Notepack"/> there.
    /// </summary>
    /// <returns>False for an empty payload, invalid JSON or invalid msgpack; never throws for bad input.</returns>
    public static bool TryDecode(ReadOnlyMemory<byte> payload, out JToken? value)
    {
        if (!payload.IsEmpty && payload.Span[0] == JsonMarker)
        {
            if (JsJson.TryParse(payload.Span, out value))
            {
                return true;
            }

            value = null;
            return false;
        }

        return Notepack.TryDecode(payload, out value, out _);
    }

    /// <summary>
    /// Whether <paramref name="value"/> holds bytes anywhere (the adapter's <c>hasBinary</c>, UT:1-30): a sharded
    /// message of type 3, 8, 9, 10 or 12 whose <c>data</c> contains binary is sent as msgpack, every other one as
    /// JSON (SH:177-192, §8.1). Dates are not binary (hasBinary follows their <c>toJSON</c>, a string).
    /// </summary>
    public static bool ContainsBinary(JToken? value)
    {
        switch (value?.Type)
        {
            case JTokenType.Bytes:
                return true;
            case JTokenType.Array:
            case JTokenType.Object:
                foreach (var child in ((JContainer)value).Children())
                {
                    if (ContainsBinary(child))
                    {
                        return true;
                    }
                }

                return false;
            case JTokenType.Property:
                return ContainsBinary(((JProperty)value).Value);
            default:
                return false;
        }
    }
}
