using System.Text;

namespace SocketIo.Tests.Support;

/// <summary>An HTTP/1.1 response exactly as it came off the wire.</summary>
internal sealed record RawHttpResponse(string StatusLine, int StatusCode, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The first value of a header (names are case-insensitive), or null.</summary>
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
