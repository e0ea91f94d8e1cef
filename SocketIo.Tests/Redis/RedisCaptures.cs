using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace SocketIo.Tests.Redis;

/// <summary>One PUBLISH/SPUBLISH of a golden capture (shared/redis-captures/README.md "File format").</summary>
/// <param name="Key">"run/scenario.json#index", e.g. <c>classic-redis4/07-value-types.json#0</c>.</param>
/// <param name="Command">PUBLISH or SPUBLISH.</param>
/// <param name="Channel">The Redis channel.</param>
/// <param name="Encoding"><c>msgpack</c>, <c>json</c> or <c>unknown</c>.</param>
/// <param name="Payload">The exact payload bytes (<c>payload_hex</c>).</param>
/// <param name="Decoded">The capture's <c>decoded</c> with its tags mapped to the JToken value model, or null when absent.</param>
public sealed record CapturedMessage(string Key, string Command, string Channel, string Encoding, byte[] Payload, JToken? Decoded)
{
    /// <inheritdoc />
    public override string ToString() => Key;
}

/// <summary>
/// Finds and reads the golden captures of Node's <c>@socket.io/redis-adapter</c> 8.3.0. They live beside the clone:
/// <c>&lt;repo&gt;/../shared/redis-captures</c> (CI lays <c>shared/</c> next to the checkout).
/// </summary>
public static class RedisCaptures
{
    private static readonly Lazy<string?> Root = new(Locate);

    /// <summary>The captures folder, or null when it is not found.</summary>
    public static string? Directory => Root.Value;

    /// <summary>Why the captures could not be found (for a failing, not skipped, test).</summary>
    public static string NotFoundMessage =>
        "Golden Redis captures not found: expected a 'shared/redis-captures' folder in an ancestor of "
        + StartDirectory() + " (the layout is <repo>/../shared/redis-captures).";

    /// <summary>Every captured message of every scenario, in file then message order.</summary>
    public static IReadOnlyList<CapturedMessage> LoadMessages()
    {
        var root = Directory ?? throw new AssertionException(NotFoundMessage);
        var messages = new List<CapturedMessage>();
        foreach (var file in System.IO.Directory.GetFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            var scenario = ParseFile(file);
            if (scenario["messages"] is not JArray list)
            {
                continue;
            }

            for (var i = 0; i < list.Count; i++)
            {
                var m = (JObject)list[i];
                messages.Add(new CapturedMessage(
                    $"{relative}#{i}",
                    (string)m["command"]!,
                    (string)m["channel"]!,
                    (string)m["encoding"]!,
                    Convert.FromHexString((string)m["payload_hex"]!),
                    m.TryGetValue("decoded", out var decoded) && decoded.Type != JTokenType.Null ? MapTags(decoded) : null));
            }
        }

        return messages;
    }

    /// <summary>
    /// Maps the capture's tags to the value model: <c>{"$bin": hex}</c> → bytes, <c>{"$date": iso}</c> → UTC DateTime,
    /// <c>{"$undefined": true}</c> → undefined, <c>{"$number": "NaN"|"Infinity"|"-Infinity"}</c> → double;
    /// integers beyond 64 bits (JS doubles printed in full) → double.
    /// </summary>
    public static JToken MapTags(JToken token)
    {
        switch (token)
        {
            case JObject obj when obj.Count == 1 && obj.Properties().First() is { Name: var name, Value: var value } && name.StartsWith('$'):
                return name switch
                {
                    "$bin" => new JValue(Convert.FromHexString((string)value!)),
                    "$date" => new JValue(DateTime.ParseExact((string)value!, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)),
                    "$undefined" => JValue.CreateUndefined(),
                    "$number" => new JValue((string)value! switch
                    {
                        "NaN" => double.NaN,
                        "Infinity" => double.PositiveInfinity,
                        "-Infinity" => double.NegativeInfinity,
                        var other => throw new InvalidDataException("Unknown $number tag " + other),
                    }),
                    _ => throw new InvalidDataException("Unknown capture tag " + name),
                };
            case JObject obj:
                var mapped = new JObject();
                foreach (var property in obj.Properties())
                {
                    mapped.Add(property.Name, MapTags(property.Value));
                }

                return mapped;
            case JArray array:
                return new JArray(array.Select(MapTags));
            case JValue { Value: System.Numerics.BigInteger big }:
                return new JValue((double)big);
            default:
                return token.DeepClone();
        }
    }

    private static JObject ParseFile(string path)
    {
        using var text = File.OpenText(path);
        using var reader = new JsonTextReader(text)
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
            MaxDepth = null,
        };
        return JObject.Load(reader);
    }

    private static string StartDirectory()
    {
        var start = TestContext.CurrentContext.TestDirectory;
        return string.IsNullOrEmpty(start) ? AppContext.BaseDirectory : start;
    }

    private static string? Locate()
    {
        for (var dir = new DirectoryInfo(StartDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "redis-captures");
            if (System.IO.Directory.Exists(candidate) && File.Exists(Path.Combine(candidate, "README.md")))
            {
                return candidate;
            }
        }

        return null;
    }
}
