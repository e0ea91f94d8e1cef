using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol.Msgpack;

/// <summary>
/// The decoder of npm <c>socket.io-msgpack-parser</c> 3.0.2 (index.js <c>Decoder.add</c>, <c>checkPacket</c>): every
/// packet is one binary message holding a msgpack map <c>{type, nsp, data?, id?}</c> (notepack.io 2.2.0). Binary
/// values travel inside the map, so there are no attachments and no state between messages.
/// </summary>
/// <remarks>
/// The checks are the reference's, with its messages: <c>type</c> an integer 0–4, <c>nsp</c> a string, <c>data</c>
/// absent or a map for CONNECT, absent for DISCONNECT, a string or map for CONNECT_ERROR, an array otherwise, and
/// <c>id</c> absent or an integer. Two further checks, where the reference would hand the socket something it cannot
/// take: an EVENT must name a non-reserved event (as the JSON parser requires, so that a client cannot fire the
/// server's <c>disconnect</c>), and an ack id must fit in an int64.
/// </remarks>
internal sealed class MsgpackPacketDecoder : ISocketIoPacketDecoder
{
    /// <summary>The reference calls <c>notepack.decode</c> on the string, which throws: a text message is a parse error.</summary>
    public SocketIoPacket? AddText(ReadOnlySpan<byte> utf8) =>
        throw new SocketIoProtocolException("msgpack parser: got a text message (is the client using the default parser?)");

    public SocketIoPacket? AddBinary(ReadOnlyMemory<byte> data) => Decode(data);

    public void Reset()
    {
        // Stateless: every packet is one message.
    }

    /// <summary>Decodes one packet; throws <see cref="SocketIoProtocolException"/> for anything the reference refuses.</summary>
    public static SocketIoPacket Decode(ReadOnlyMemory<byte> data)
    {
        if (!NotepackReader.TryDecode(data, out var value, out var error))
        {
            throw new SocketIoProtocolException("msgpack parser: " + error);
        }

        // decoded.type on anything but a map is undefined (or a TypeError for null): "invalid packet type" either way.
        if (value is not JObject map || !TryInteger(map["type"], out var typeValue) || typeValue is < 0 or > 4)
        {
            throw new SocketIoProtocolException("invalid packet type");
        }

        if (map["nsp"] is not { Type: JTokenType.String } nsp)
        {
            throw new SocketIoProtocolException("invalid namespace");
        }

        var type = (SocketIoPacketType)typeValue;
        var payload = Defined(map["data"]);
        if (!IsDataValid(type, payload))
        {
            throw new SocketIoProtocolException("invalid payload");
        }

        long? id = null;
        if (Defined(map["id"]) is { } idToken)
        {
            if (!TryInteger(idToken, out var idValue))
            {
                throw new SocketIoProtocolException("invalid packet id");
            }

            id = idValue;
        }

        return new SocketIoPacket(type, (string)nsp!, payload, id);
    }

    /// <summary>A member that is absent or notepack's <c>undefined</c> is undefined in JS.</summary>
    private static JToken? Defined(JToken? token) => token is null || token.Type == JTokenType.Undefined ? null : token;

    private static bool IsDataValid(SocketIoPacketType type, JToken? data) => type switch
    {
        SocketIoPacketType.Connect => data is null or JObject,
        SocketIoPacketType.Disconnect => data is null,
        SocketIoPacketType.ConnectError => data is JObject || data?.Type == JTokenType.String,
        SocketIoPacketType.Event => data is JArray { Count: > 0 } args && SocketIoPacketDecoder.IsValidEventName(args[0]),
        _ => data is JArray,
    };

    /// <summary><c>Number.isInteger</c> for a decoded number, limited to what an int64 holds.</summary>
    private static bool TryInteger(JToken? token, out long value)
    {
        value = 0;
        switch (token?.Type)
        {
            case JTokenType.Integer:
                value = (long)token;
                return true;
            case JTokenType.Float:
                var d = (double)token;
                if (double.IsFinite(d) && Math.Floor(d) == d && d >= long.MinValue && d < 9223372036854775808.0)
                {
                    value = (long)d;
                    return true;
                }

                return false;
            default:
                return false;
        }
    }
}
