using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace SocketIo.Tests.Redis;

/// <summary>
/// Reads the golden captures of Node's @socket.io/redis-streams-adapter 0.3.1 in Redis/StreamsCaptures (made by
/// scripts/capture-streams.mjs): the files are found from the test directory up to the repository.
/// </summary>
public static class StreamsCaptureFiles
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "SocketIo.Tests", "Redis", "StreamsCaptures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new AssertionException("SocketIo.Tests/Redis/StreamsCaptures not found above " + TestContext.CurrentContext.TestDirectory);
    });

    /// <summary>One scenario file, e.g. <c>streams-default/01-broadcast-all</c>.</summary>
    public static JObject Load(string name) => JObject.Parse(File.ReadAllText(Path.Combine(Root.Value, name + ".json")));

    /// <summary>The commands of a scenario named <paramref name="command"/> (MONITOR order), each as its arguments.</summary>
    public static IReadOnlyList<JArray> Commands(JObject scenario, string command) =>
        ((JArray)scenario["redis_commands"]!).Cast<JArray>().Where(c => string.Equals((string?)c[0], command, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>A MONITOR argument as bytes: printable text as is, else the capture's <c>{"$hex": …}</c>.</summary>
    public static byte[] Bytes(JToken arg) =>
        arg is JObject { } tagged ? Convert.FromHexString((string)tagged["$hex"]!) : System.Text.Encoding.Latin1.GetBytes((string)arg!);
}
