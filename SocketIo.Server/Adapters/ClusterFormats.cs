using System.Globalization;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Server.Adapters;

/// <summary>
/// The JS shapes that cross a cluster, as socket.io-adapter writes them (redis-wire §4.3, §8.2, §10): packets,
/// broadcast options, flags and socket details. Readers are lenient (missing parts become empty), as Node is.
/// </summary>
public static class ClusterFormats
{
    /// <summary>A broadcast packet <c>{type, data[, nsp]}</c>; binary stays as bytes (never placeholders).</summary>
    public static JObject PacketToJson(SocketIoPacket packet, bool includeNamespace)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var json = new JObject
        {
            ["type"] = (int)(packet.Type is SocketIoPacketType.BinaryEvent ? SocketIoPacketType.Event : packet.Type),
            ["data"] = packet.Data,
        };
        if (includeNamespace)
        {
            json["nsp"] = packet.Namespace;
        }

        return json;
    }

    /// <summary>Reads a packet object; a missing <c>nsp</c> means <paramref name="defaultNamespace"/>. Null when it is not a packet.</summary>
    public static SocketIoPacket? PacketFromJson(JToken? json, string defaultNamespace)
    {
        if (json is not JObject obj || obj["data"] is not JArray data)
        {
            return null;
        }

        var type = obj["type"] is { Type: JTokenType.Integer } t ? (SocketIoPacketType)(int)(long)t : SocketIoPacketType.Event;
        if (type is SocketIoPacketType.BinaryEvent)
        {
            type = SocketIoPacketType.Event;
        }

        var nsp = obj["nsp"] is { Type: JTokenType.String } n ? (string)n! : defaultNamespace;
        return new SocketIoPacket(type, nsp, data);
    }

    /// <summary>Options as <c>{rooms, except[, flags]}</c>.</summary>
    public static JObject OptionsToJson(BroadcastOptions options, bool includeFlags = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        var json = new JObject
        {
            ["rooms"] = new JArray(options.Rooms),
            ["except"] = new JArray(options.Except),
        };
        if (includeFlags)
        {
            json["flags"] = FlagsToJson(options.Flags);
        }

        return json;
    }

    /// <summary>
    /// Flags as Node's BroadcastFlags object; only the flags that are set, <c>local</c> never (it is never published).
    /// Key order: a RemoteSocket's operator starts with <c>expectSingleResponse</c>, then the chained modifiers.
    /// </summary>
    public static JObject FlagsToJson(BroadcastFlags flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var json = new JObject();
        if (flags.ExpectSingleResponse)
        {
            json["expectSingleResponse"] = true;
        }

        if (flags.Volatile)
        {
            json["volatile"] = true;
        }

        if (flags.Compress is { } compress)
        {
            json["compress"] = compress;
        }

        if (flags.Timeout is { } timeout)
        {
            json["timeout"] = (long)timeout.TotalMilliseconds;
        }

        return json;
    }

    /// <summary>Reads <c>{rooms, except, flags}</c>; missing parts are empty, unknown flags ignored.</summary>
    public static BroadcastOptions OptionsFromJson(JToken? json)
    {
        var obj = json as JObject;
        return new BroadcastOptions(RoomSet(obj?["rooms"]), RoomSet(obj?["except"]), FlagsFromJson(obj?["flags"]));
    }

    /// <summary>Reads Node's flags object.</summary>
    public static BroadcastFlags FlagsFromJson(JToken? json)
    {
        if (json is not JObject obj)
        {
            return BroadcastFlags.None;
        }

        TimeSpan? timeout = obj["timeout"] is { Type: JTokenType.Integer or JTokenType.Float } t ? TimeSpan.FromMilliseconds((double)t) : null;
        return new BroadcastFlags(
            Volatile: obj["volatile"] is { Type: JTokenType.Boolean } v && (bool)v,
            Compress: obj["compress"] is { Type: JTokenType.Boolean } c ? (bool)c : null,
            Local: false,
            Timeout: timeout,
            ExpectSingleResponse: obj["expectSingleResponse"] is { Type: JTokenType.Boolean } e && (bool)e);
    }

    /// <summary>Room names from a JSON array; numbers become their decimal text (a JS room <c>42</c> is the .NET room <c>"42"</c>).</summary>
    public static HashSet<string> RoomSet(JToken? json)
    {
        var rooms = new HashSet<string>(StringComparer.Ordinal);
        if (json is JArray array)
        {
            foreach (var item in array)
            {
                if (RoomName(item) is { } room)
                {
                    rooms.Add(room);
                }
            }
        }

        return rooms;
    }

    /// <summary>A room name from a JS value (string or number), or null.</summary>
    public static string? RoomName(JToken? token) => token?.Type switch
    {
        JTokenType.String => (string)token!,
        JTokenType.Integer => ((long)token!).ToString(CultureInfo.InvariantCulture),
        JTokenType.Float => JsNumberFormatter.Format((double)token!),
        _ => null,
    };

    /// <summary>A socket's details as Node's <c>{id, handshake, rooms, data}</c>.</summary>
    public static JObject SocketToJson(SocketDetails socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return new JObject
        {
            ["id"] = socket.Id,
            ["handshake"] = socket.Handshake.ToJson(),
            ["rooms"] = new JArray(socket.Rooms),
            ["data"] = socket.Data ?? JValue.CreateNull(),
        };
    }

    /// <summary>Reads <c>{id, handshake, rooms, data}</c>; null when there is no id.</summary>
    public static SocketDetails? SocketFromJson(JToken? json)
    {
        if (json is not JObject obj || obj["id"] is not { Type: JTokenType.String } id)
        {
            return null;
        }

        var rooms = new List<string>();
        if (obj["rooms"] is JArray array)
        {
            foreach (var item in array)
            {
                if (RoomName(item) is { } room)
                {
                    rooms.Add(room);
                }
            }
        }

        return new SocketDetails((string)id!, SocketIoHandshake.FromJson(obj["handshake"]), rooms, obj["data"]);
    }
}
