using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>Converts .NET values into the JSON tokens that go on the wire; bytes stay bytes (binary attachments).</summary>
internal static class JsonArgs
{
    private static readonly JsonSerializer Serializer = JsonSerializer.CreateDefault(new JsonSerializerSettings
    {
        DateParseHandling = DateParseHandling.None,
        // Fix: nested binary values must become attachments, as Buffers at any depth do in Node (socket.io-parser
        // hasBinary). Without this converter Newtonsoft wrote a nested ReadOnlyMemory<byte> as {"Length":…,"IsEmpty":…}
        // and a nested ArraySegment<byte> as an array of numbers; only byte[] became bytes.
        Converters = { new BinaryConverter() },
    });

    public static JToken ToToken(object? value) => value switch
    {
        null => JValue.CreateNull(),
        JToken token => token,
        byte[] bytes => new JValue(bytes),
        ReadOnlyMemory<byte> memory => new JValue(memory.ToArray()),
        Memory<byte> memory => new JValue(memory.ToArray()),
        ArraySegment<byte> segment => new JValue(segment.ToArray()),
        _ => JToken.FromObject(value, Serializer),
    };

    public static JArray ToArray(IReadOnlyList<object?>? args)
    {
        var array = new JArray();
        if (args is null)
        {
            return array;
        }

        for (var i = 0; i < args.Count; i++)
        {
            array.Add(ToToken(args[i]));
        }

        return array;
    }

    /// <summary>Builds <c>[eventName, ...args]</c>.</summary>
    public static JArray EventArray(string eventName, IReadOnlyList<object?>? args)
    {
        var array = new JArray { eventName };
        if (args is not null)
        {
            for (var i = 0; i < args.Count; i++)
            {
                array.Add(ToToken(args[i]));
            }
        }

        return array;
    }

    /// <summary>Writes the .NET binary types other than <c>byte[]</c> as bytes, so that they become attachments.</summary>
    private sealed class BinaryConverter : JsonConverter
    {
        public override bool CanRead => false;

        public override bool CanConvert(Type objectType) =>
            objectType == typeof(ReadOnlyMemory<byte>) || objectType == typeof(Memory<byte>) || objectType == typeof(ArraySegment<byte>);

        public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer) => writer.WriteValue(value switch
        {
            ReadOnlyMemory<byte> memory => memory.ToArray(),
            Memory<byte> memory => memory.ToArray(),
            ArraySegment<byte> segment => segment.ToArray(),
            _ => null,
        });

        public override object ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer) =>
            throw new NotSupportedException();
    }
}
