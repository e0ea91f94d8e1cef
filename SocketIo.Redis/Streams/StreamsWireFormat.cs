using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SocketIo.Redis.Codec;
using SocketIo.Server.Adapters;

namespace SocketIo.Redis.Streams;

/// <summary>
/// The wire of <c>@socket.io/redis-streams-adapter</c> 0.3.1 (adapter.js, captures in
/// SocketIo.Tests/Redis/StreamsCaptures, README "Redis streams wire format"): stream entries
/// <c>uid nsp type data</c>, msgpack envelopes <c>{type, data, uid, nsp}</c> on the channels, and sessions.
/// Decoding never throws: garbage gives null and a reason.
/// </summary>
internal static partial class StreamsWireFormat
{
    /// <summary>Types whose <c>data</c> may hold binary and so may be msgpack in a stream entry (adapter.js encode).</summary>
    private static bool MayContainBinary(ClusterMessageType type) => type is ClusterMessageType.Broadcast
        or ClusterMessageType.FetchSocketsResponse or ClusterMessageType.ServerSideEmit
        or ClusterMessageType.ServerSideEmitResponse or ClusterMessageType.BroadcastAck;

    /// <summary>
    /// Messages that only matter to servers up now (broadcasts with ack, serverSideEmit, fetchSockets) go over
    /// PUB/SUB; every other one is appended to the stream (adapter.js isEphemeral).
    /// </summary>
    public static bool IsEphemeral(ClusterMessage message) =>
        message.Type is ClusterMessageType.ServerSideEmit or ClusterMessageType.FetchSockets
        || (message.Type == ClusterMessageType.Broadcast && message.Data?.ContainsKey("requestId") == true);

    /// <summary>
    /// The fields of the XADD, in Node's order: <c>uid</c>, <c>nsp</c>, <c>type</c> (decimal text), and <c>data</c>
    /// (absent when the message has none): <c>JSON.stringify(data)</c>, or base64 of its msgpack when the type may
    /// carry binary, it does, and <paramref name="onlyPlaintext"/> is off.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> EncodeEntry(ClusterMessage message, string uid, bool onlyPlaintext)
    {
        ArgumentNullException.ThrowIfNull(message);
        var fields = new List<KeyValuePair<string, string>>(4)
        {
            new("uid", message.Uid ?? uid),
            new("nsp", message.Nsp),
            new("type", ((int)message.Type).ToString(CultureInfo.InvariantCulture)),
        };
        if (message.Data is { } data)
        {
            var binary = !onlyPlaintext && MayContainBinary(message.Type) && ClusterPayload.ContainsBinary(data);
            fields.Add(new("data", binary ? Convert.ToBase64String(MsgpackLiteWriter.Encode(data)) : Encoding.UTF8.GetString(JsJson.Serialize(data))));
        }

        return fields;
    }

    /// <summary>
    /// A stream entry back into a message (adapter.js decode): <c>type</c> read like <c>parseInt(type, 10)</c>,
    /// <c>data</c> JSON when it starts with <c>{</c>, else base64 msgpack. Null (with <paramref name="error"/>) for an
    /// entry that is not a message of a known shape.
    /// </summary>
    public static ClusterMessage? DecodeEntry(IReadOnlyDictionary<string, string> fields, out string? error)
    {
        error = null;
        if (!fields.TryGetValue("nsp", out var nsp) || nsp.Length == 0)
        {
            // adapter.js startPolling: entries without nsp are skipped silently.
            return null;
        }

        fields.TryGetValue("uid", out var uid);
        if (!fields.TryGetValue("type", out var typeText) || ParseIntLikeJs(typeText) is not { } type)
        {
            error = "no numeric type";
            return null;
        }

        JObject? data = null;
        if (fields.TryGetValue("data", out var raw) && raw.Length > 0)
        {
            JToken? value;
            if (raw[0] == '{')
            {
                if (!JsJson.TryParse(Encoding.UTF8.GetBytes(raw), out value))
                {
                    error = "data is not valid JSON";
                    return null;
                }
            }
            else if (!TryFromBase64(raw, out var bytes) || !Notepack.TryDecode(bytes, out value, out var msgpackError))
            {
                error = "data is neither JSON nor base64 msgpack";
                return null;
            }

            if (value is not JObject obj)
            {
                error = "data is not an object";
                return null;
            }

            data = obj;
        }

        return new ClusterMessage((ClusterMessageType)type, data, uid, nsp);
    }

    /// <summary>The msgpack envelope of a PUB/SUB message or response: <c>{type, data, uid, nsp}</c>, Node's key order.</summary>
    public static byte[] EncodeEnvelope(ClusterMessage message, string uid)
    {
        ArgumentNullException.ThrowIfNull(message);
        var envelope = new JObject { ["type"] = (int)message.Type };
        if (message.Data is not null)
        {
            envelope["data"] = message.Data;
        }

        envelope["uid"] = message.Uid ?? uid;
        envelope["nsp"] = message.Nsp;
        return MsgpackLiteWriter.Encode(envelope);
    }

    /// <summary>A PUB/SUB payload back into a message: always msgpack (adapter.js decodes every channel message so).</summary>
    public static ClusterMessage? DecodeEnvelope(ReadOnlyMemory<byte> payload, out string? error)
    {
        if (!Notepack.TryDecode(payload, out var value, out error))
        {
            return null;
        }

        if (value is not JObject obj || obj["type"] is not { Type: JTokenType.Integer } type || obj["nsp"] is not { Type: JTokenType.String } nsp)
        {
            error = "not a {type, data, uid, nsp} message";
            return null;
        }

        if (obj["data"] is { } data && data.Type is not (JTokenType.Object or JTokenType.Null or JTokenType.Undefined))
        {
            error = "data is not an object";
            return null;
        }

        var uid = obj["uid"] is { Type: JTokenType.String } u ? (string)u! : null;
        return new ClusterMessage((ClusterMessageType)(long)type, obj["data"] as JObject, uid, (string)nsp!);
    }

    /// <summary>The session value: base64 of msgpack <c>{sid, pid, rooms, data}</c> (adapter.js persistSession).</summary>
    public static string EncodeSession(PersistedSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var value = new JObject
        {
            ["sid"] = session.Sid,
            ["pid"] = session.Pid,
            ["rooms"] = new JArray(session.Rooms),
            ["data"] = session.Data?.DeepClone(),
        };
        return Convert.ToBase64String(MsgpackLiteWriter.Encode(value));
    }

    /// <summary>A session value back, or null when it is not base64 msgpack of <c>{sid, pid, rooms}</c> strings.</summary>
    public static PersistedSession? DecodeSession(string? raw, out string? error)
    {
        error = null;
        if (raw is null)
        {
            return null;
        }

        if (!TryFromBase64(raw, out var bytes) || !Notepack.TryDecode(bytes, out var value, out _) || value is not JObject obj)
        {
            error = "not base64 msgpack of an object";
            return null;
        }

        if (obj["sid"] is not { Type: JTokenType.String } sid || obj["pid"] is not { Type: JTokenType.String } pid || obj["rooms"] is not JArray rooms
            || rooms.Any(r => r.Type != JTokenType.String))
        {
            error = "no sid, pid and rooms";
            return null;
        }

        return new PersistedSession((string)sid!, (string)pid!, rooms.Select(r => (string)r!).ToArray(), obj["data"]);
    }

    /// <summary>
    /// The stream of a namespace (adapter.js computeStreamName): <c>streamName</c> alone, or with several streams
    /// <c>streamName-i</c>, i = <c>hashCode(nsp) % streamCount</c> in JS arithmetic: a 32-bit Java-style hash of the
    /// UTF-16 code units, which can be negative, and a remainder that keeps the dividend's sign (so
    /// <c>/zzzzzzzz</c> with 3 streams is <c>socket.io--1</c>; a remainder of −0 prints as <c>0</c>).
    /// </summary>
    public static string StreamNameFor(string nsp, string streamName, int streamCount)
    {
        ArgumentNullException.ThrowIfNull(nsp);
        return streamCount == 1 ? streamName : streamName + "-" + (HashCode(nsp) % streamCount).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Every stream of the server (adapter.js createReadOnlyClients): <c>streamName</c>, or <c>streamName-0…n-1</c>.</summary>
    public static IEnumerable<string> AllStreams(string streamName, int streamCount) =>
        streamCount == 1 ? [streamName] : Enumerable.Range(0, streamCount).Select(i => streamName + "-" + i.ToString(CultureInfo.InvariantCulture));

    /// <summary>util.js hashCode: <c>hash = hash * 31 + charCode; hash |= 0</c>, i.e. 32-bit wrapping arithmetic.</summary>
    public static int HashCode(string text)
    {
        var hash = 0;
        foreach (var c in text)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }

    /// <summary>A stream entry id as Node accepts it for a restore (adapter.js restoreSession: <c>/^[0-9]+-[0-9]+$/</c>).</summary>
    public static bool IsOffset(string offset) => OffsetPattern().IsMatch(offset);

    /// <summary>The id right after <paramref name="offset"/> (adapter.js nextOffset: the sequence plus one), for XRANGE before Redis 6.2's exclusive ranges.</summary>
    public static string NextOffset(string offset)
    {
        var dash = offset.IndexOf('-', StringComparison.Ordinal);
        var sequence = System.Numerics.BigInteger.Parse(offset.AsSpan(dash + 1), CultureInfo.InvariantCulture);
        return string.Concat(offset.AsSpan(0, dash), "-", (sequence + 1).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Whether a socket in <paramref name="sessionRooms"/> was a target of a broadcast with these options
    /// (adapter.js shouldIncludePacket): no target room or one shared, and no excluded room shared.
    /// </summary>
    public static bool ShouldInclude(IReadOnlyCollection<string> sessionRooms, JToken? opts)
    {
        var rooms = (opts?["rooms"] as JArray)?.Select(r => r.ToString()).ToHashSet(StringComparer.Ordinal) ?? [];
        var except = (opts?["except"] as JArray)?.Select(r => r.ToString()).ToHashSet(StringComparer.Ordinal) ?? [];
        return (rooms.Count == 0 || sessionRooms.Any(rooms.Contains)) && !sessionRooms.Any(except.Contains);
    }

    /// <summary>parseInt(text, 10) for the small integers a type is: optional whitespace and sign, then digits; null for NaN.</summary>
    private static int? ParseIntLikeJs(string text)
    {
        var span = text.AsSpan().TrimStart();
        var negative = false;
        if (span.Length > 0 && (span[0] == '-' || span[0] == '+'))
        {
            negative = span[0] == '-';
            span = span[1..];
        }

        var digits = 0;
        while (digits < span.Length && char.IsAsciiDigit(span[digits]))
        {
            digits++;
        }

        if (digits == 0 || digits > 9)
        {
            return null;
        }

        var value = int.Parse(span[..digits], CultureInfo.InvariantCulture);
        return negative ? -value : value;
    }

    private static bool TryFromBase64(string text, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    [GeneratedRegex("^[0-9]+-[0-9]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex OffsetPattern();
}
