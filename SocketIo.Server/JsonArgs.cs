using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Server;

/// <summary>
/// Converts .NET values into the JSON tokens that go on the wire, and received tokens back into .NET values, with
/// one set of settings (<see cref="SocketIoOptions.JsonSerializerSettings"/>) so that both directions agree. Bytes
/// stay bytes (binary attachments). The tokens are written by the JS-exact writer either way.
/// </summary>
internal sealed class JsonArgs
{
    private readonly JsonSerializer _writer;
    // Null with the default settings: JToken.ToObject<T>() converts primitives without making a serializer.
    private readonly JsonSerializer? _reader;

    private JsonArgs(JsonSerializer writer, JsonSerializer? reader)
    {
        _writer = writer;
        _reader = reader;
    }

    /// <summary>Newtonsoft's default settings (and <c>JsonConvert.DefaultSettings</c>), as before the option existed.</summary>
    public static JsonArgs Default { get; } = new(
        JsonSerializer.CreateDefault(new JsonSerializerSettings
        {
            DateParseHandling = DateParseHandling.None,
            // Fix: nested binary values must become attachments, as Buffers at any depth do in Node (socket.io-parser
            // hasBinary). Without this converter Newtonsoft wrote a nested ReadOnlyMemory<byte> as {"Length":…,"IsEmpty":…}
            // and a nested ArraySegment<byte> as an array of numbers; only byte[] became bytes.
            Converters = { new BinaryConverter() },
        }),
        reader: null);

    /// <summary>The conversions for <paramref name="settings"/>; <see cref="Default"/> when null.</summary>
    public static JsonArgs Create(JsonSerializerSettings? settings)
    {
        if (settings is null)
        {
            return Default;
        }

        var serializer = JsonSerializer.CreateDefault(settings);
        // The binary converter cannot read (CanRead is false), so the same serializer serves both directions.
        serializer.Converters.Add(new BinaryConverter());
        return new JsonArgs(serializer, serializer);
    }


    /// <summary>A received value as <typeparamref name="T"/>.</summary>
    public T? ToObject<T>(JToken token) => _reader is null ? token.ToObject<T>() : token.ToObject<T>(_reader);

    public JToken ToToken(object? value) => value switch
    {
        null => JValue.CreateNull(),
        JToken token => token,
        byte[] bytes => new JValue(bytes),
        ReadOnlyMemory<byte> memory => new JValue(memory.ToArray()),
        Memory<byte> memory => new JValue(memory.ToArray()),
        ArraySegment<byte> segment => new JValue(segment.ToArray()),
        _ => JToken.FromObject(value, _writer),
    };

    public JArray ToArray(IReadOnlyList<object?>? args)
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
    public JArray EventArray(string eventName, IReadOnlyList<object?>? args)
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
