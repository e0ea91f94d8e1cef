using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>Converts .NET values into the JSON tokens that go on the wire; bytes stay bytes (binary attachments).</summary>
internal static class JsonArgs
{
    private static readonly JsonSerializer Serializer = JsonSerializer.CreateDefault(new JsonSerializerSettings
    {
        DateParseHandling = DateParseHandling.None,
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
}
