using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIo.Server;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.ExternalAdapters;

/// <summary>
/// A packet format written from scratch against the public parser seam, as a team with its own client format would
/// write one: every packet is one JSON text message <c>{"type":2,"nsp":"/","data":[…],"id":1}</c>, bytes inside it as
/// <c>{"$bytes":"&lt;base64&gt;"}</c>. It counts its encodes, so a test can see that a broadcast is encoded once.
/// Its decoder throws whatever Newtonsoft throws for bad JSON: the server must survive a decoder that is not careful.
/// </summary>
public sealed class JsonDocumentParser() : SocketIoParser("json-document")
{
    private int _encodes;

    /// <summary>How many packets this parser has encoded.</summary>
    public int Encodes => Volatile.Read(ref _encodes);

    /// <inheritdoc />
    public override IReadOnlyList<EncodedMessage> Encode(SocketIoPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        Interlocked.Increment(ref _encodes);
        return [EncodedMessage.Text(Write(packet))];
    }

    /// <inheritdoc />
    public override ISocketIoPacketDecoder CreateDecoder(SocketIoOptions options) => new Decoder();

    /// <summary>The format's text for <paramref name="packet"/>.</summary>
    public static string Write(SocketIoPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var document = new JObject { ["type"] = (int)packet.Type, ["nsp"] = packet.Namespace };
        if (packet.Data is not null)
        {
            document["data"] = BytesToObjects(packet.Data);
        }

        if (packet.Id is { } id)
        {
            document["id"] = id;
        }

        return document.ToString(Formatting.None);
    }

    /// <summary>The packet in the format's <paramref name="text"/>.</summary>
    public static SocketIoPacket Read(string text)
    {
        var document = JObject.Parse(text);
        return new SocketIoPacket(
            (SocketIoPacketType)(int)document["type"]!,
            (string)document["nsp"]!,
            document["data"] is { } data ? ObjectsToBytes(data) : null,
            (long?)document["id"]);
    }

    private static JToken BytesToObjects(JToken token) => token switch
    {
        JValue { Type: JTokenType.Bytes } bytes => new JObject { ["$bytes"] = Convert.ToBase64String((byte[])bytes.Value!) },
        JArray array => new JArray(array.Select(BytesToObjects)),
        JObject obj => new JObject(obj.Properties().Select(p => new JProperty(p.Name, BytesToObjects(p.Value)))),
        _ => token.DeepClone(),
    };

    private static JToken ObjectsToBytes(JToken token) => token switch
    {
        JObject { Count: 1 } obj when obj["$bytes"] is JValue { Type: JTokenType.String } b => new JValue(Convert.FromBase64String((string)b!)),
        JArray array => new JArray(array.Select(ObjectsToBytes)),
        JObject obj => new JObject(obj.Properties().Select(p => new JProperty(p.Name, ObjectsToBytes(p.Value)))),
        _ => token,
    };

    private sealed class Decoder : ISocketIoPacketDecoder
    {
        public SocketIoPacket? AddText(ReadOnlySpan<byte> utf8) => Read(System.Text.Encoding.UTF8.GetString(utf8));

        public SocketIoPacket? AddBinary(ReadOnlyMemory<byte> data) => throw new SocketIoProtocolException("json-document parser: binary message");

        public void Reset()
        {
            // Stateless: every packet is one message.
        }
    }
}
