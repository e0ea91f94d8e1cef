using System.Globalization;
using Newtonsoft.Json.Linq;
using SocketIo.Server;

namespace SocketIo.AdminUi;

/// <summary>
/// The JSON the dashboard reads (admin-ui's <c>serialize</c> and <c>serializeData</c>): a socket with its rooms and
/// handshake, <c>data</c> without the <c>_admin</c> key that carries the engine id and transport across a cluster.
/// </summary>
internal static class AdminUiSerializer
{
    /// <summary>The key of <c>socket.data</c> where admin-ui keeps <c>{ clientId, transport }</c>; a Node server of the cluster reads it there.</summary>
    public const string AdminKey = "_admin";

    public static JObject Socket(string id, string nsp, SocketIoHandshake handshake, IEnumerable<string> rooms, JToken? data)
    {
        var admin = (data as JObject)?[AdminKey] as JObject;
        var socket = new JObject { ["id"] = id };
        // Node writes undefined (so, nothing) for a socket whose data has no _admin, e.g. one set in a middleware.
        if (admin?["clientId"] is { } clientId)
        {
            socket["clientId"] = clientId;
        }

        if (admin?["transport"] is { } transport)
        {
            socket["transport"] = transport;
        }

        socket["nsp"] = nsp;
        socket["data"] = WithoutAdmin(data);
        socket["handshake"] = Handshake(handshake);
        socket["rooms"] = new JArray(rooms.ToArray());
        return socket;
    }

    /// <summary><c>socket.data</c> without <c>_admin</c>, as the dashboard shows it.</summary>
    public static JToken WithoutAdmin(JToken? data)
    {
        if (data is not JObject obj)
        {
            // Node's object rest over a primitive gives {}.
            return new JObject();
        }

        var copy = new JObject();
        foreach (var property in obj.Properties())
        {
            if (property.Name != AdminKey)
            {
                copy[property.Name] = property.Value.DeepClone();
            }
        }

        return copy;
    }

    /// <summary>A JS <c>Date</c> as JSON.stringify writes it (ISO 8601, milliseconds, <c>Z</c>).</summary>
    public static string Date(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static JObject Handshake(SocketIoHandshake handshake)
    {
        var headers = new JObject();
        foreach (var (name, value) in handshake.Headers)
        {
            headers[name] = value;
        }

        var query = new JObject();
        foreach (var (name, value) in handshake.Query)
        {
            query[name] = value;
        }

        // A proxy's view of the client first, as admin-ui reads it.
        var address = handshake.Headers.GetValueOrDefault("cf-connecting-ip")
            ?? handshake.Headers.GetValueOrDefault("x-forwarded-for")
            ?? handshake.Address;
        return new JObject
        {
            ["address"] = address,
            ["headers"] = headers,
            ["query"] = query,
            ["issued"] = handshake.Issued.ToUnixTimeMilliseconds(),
            ["secure"] = handshake.Secure,
            // Node's handshake.time is `new Date().toString()`; servers are assumed to run in UTC.
            ["time"] = handshake.Time.UtcDateTime.ToString("ddd MMM dd yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " GMT+0000 (Coordinated Universal Time)",
            ["url"] = handshake.Url,
            ["xdomain"] = handshake.XDomain,
        };
    }
}
