using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// The handshake's open packet data (<c>{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,"maxPayload":…}</c>).
/// Everything after the sid depends only on the options and the transport, so it is written once per transport and
/// copied behind each new sid.
/// </summary>
internal sealed class EngineOpenPacket(EngineIoOptions options, Func<string, IReadOnlyList<string>> upgradesFor)
{
    private static ReadOnlySpan<byte> Head => "{\"sid\":\""u8;

    private readonly ConcurrentDictionary<string, byte[]> _tails = new(StringComparer.Ordinal);

    public byte[] For(string sid, string transport)
    {
        // Ids are [A-Za-z0-9_-] (Base64Id), which JSON never escapes; any other id takes the general path.
        if (!IsPlain(sid))
        {
            return Write(sid, transport);
        }

        var tail = _tails.GetValueOrDefault(transport) ?? _tails.GetOrAdd(transport, Write(string.Empty, transport).AsSpan(Head.Length).ToArray());
        var open = new byte[Head.Length + sid.Length + tail.Length];
        Head.CopyTo(open);
        Encoding.ASCII.GetBytes(sid, open.AsSpan(Head.Length));
        tail.CopyTo(open.AsSpan(Head.Length + sid.Length));
        return open;
    }

    private static bool IsPlain(string id)
    {
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private byte[] Write(string sid, string transport)
    {
        using var stream = new MemoryStream(128);
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("sid", sid);
            json.WriteStartArray("upgrades");
            foreach (var upgrade in upgradesFor(transport))
            {
                json.WriteStringValue(upgrade);
            }

            json.WriteEndArray();
            json.WriteNumber("pingInterval", (long)options.PingInterval.TotalMilliseconds);
            json.WriteNumber("pingTimeout", (long)options.PingTimeout.TotalMilliseconds);
            json.WriteNumber("maxPayload", options.MaxHttpBufferSize);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }
}
