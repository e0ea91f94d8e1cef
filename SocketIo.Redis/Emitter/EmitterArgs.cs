using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIo.Redis.Emitter;

/// <summary>
/// Turns the emitter's .NET arguments into the JSON value model the Redis codecs write (bytes stay
/// <see cref="JTokenType.Bytes"/>), with the conventions of the server's own emits so that the same value reaches a
/// client the same way whether a server or the emitter sent it.
/// </summary>
internal sealed class EmitterArgs
{
    private readonly JsonSerializer _serializer;

    public EmitterArgs(JsonSerializerSettings? settings)
    {
        _serializer = JsonSerializer.CreateDefault(settings ?? new JsonSerializerSettings());
        // Nested binary values must stay bytes (socket.io-parser's hasBinary finds Buffers at any depth); without this
        // Newtonsoft writes a nested ReadOnlyMemory<byte> as {"Length":…,"IsEmpty":…}.
        _serializer.Converters.Add(new BinaryConverter());
    }

    /// <summary><c>[eventName, ...args]</c>, the <c>data</c> of a packet or of a server-side emit.</summary>
    public JArray EventArray(string eventName, IReadOnlyList<object?> args)
    {
        var array = new JArray { eventName };
        for (var i = 0; i < args.Count; i++)
        {
            array.Add(ToToken(args[i]));
        }

        return array;
    }

    private JToken ToToken(object? value) => value switch
    {
        null => JValue.CreateNull(),
        // Passed as is (and not copied: JArray.Add copies a token that already has a parent).
        JToken token => token,
        byte[] bytes => new JValue(bytes),
        ReadOnlyMemory<byte> memory => new JValue(memory.ToArray()),
        Memory<byte> memory => new JValue(memory.ToArray()),
        ArraySegment<byte> segment => new JValue(segment.ToArray()),
        _ => JToken.FromObject(value, _serializer),
    };

    /// <summary>Writes the .NET binary types other than <c>byte[]</c> as bytes.</summary>
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
