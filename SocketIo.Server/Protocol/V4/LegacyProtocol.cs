using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol.V4;

/// <summary>
/// The differences of the Socket.IO v4 protocol, which socket.io-client 2.x speaks over Engine.IO v3, from v5 (socket.io
/// 4.8 serves both: client.ts <c>_parseNamespace</c>, socket.ts and namespace.ts <c>conn.protocol === 3</c> branches).
/// The packet format itself (socket.io-parser 3.x) is v5's, binary attachments included; what differs is what the
/// packets carry.
/// </summary>
internal static class LegacyProtocol
{
    /// <summary>
    /// Splits a v4 CONNECT's namespace, <c>/nsp?query</c>, into the namespace and the handshake auth, which 2.x clients
    /// send as the query (Node: <c>new URL(nsp, "https://socket.io")</c>, its pathname and
    /// <c>Object.fromEntries(searchParams)</c>: the last of repeated keys wins, <c>+</c> is a space).
    /// </summary>
    public static (string Namespace, JObject Auth) ParseNamespace(string nsp)
    {
        var hash = nsp.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            nsp = nsp[..hash];
        }

        var auth = new JObject();
        var question = nsp.IndexOf('?', StringComparison.Ordinal);
        if (question < 0)
        {
            return (nsp, auth);
        }

        foreach (var pair in nsp[(question + 1)..].Split('&'))
        {
            if (pair.Length == 0)
            {
                continue;
            }

            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Unescape(eq < 0 ? pair : pair[..eq]);
            auth[key] = eq < 0 ? string.Empty : Unescape(pair[(eq + 1)..]);
        }

        return (nsp[..question], auth);
    }

    /// <summary>A v4 socket's id: the Engine.IO id on <c>/</c>, <c>nsp#engineId</c> elsewhere (socket.ts constructor).</summary>
    public static string SocketId(string nsp, string engineId) => nsp == "/" ? engineId : nsp + "#" + engineId;

    /// <summary>
    /// What a v4 CONNECT_ERROR carries: the error's data when it has some, else its message, as a plain value that
    /// 2.x clients emit as <c>error</c> (namespace.ts: <c>socket._error(err.data || err.message)</c>).
    /// </summary>
    public static JToken ConnectErrorData(string message, JToken? data) => IsTruthy(data) ? data! : message;

    private static bool IsTruthy(JToken? value) => value switch
    {
        null => false,
        JValue { Type: JTokenType.Null or JTokenType.Undefined } => false,
        JValue { Type: JTokenType.Boolean } b => (bool)b,
        JValue { Type: JTokenType.String } s => ((string?)s)!.Length > 0,
        JValue { Type: JTokenType.Integer or JTokenType.Float } n => (double)n is not 0 and not double.NaN,
        _ => true,
    };

    private static string Unescape(string component)
    {
        var spaced = component.Replace('+', ' ');
        try
        {
            return Uri.UnescapeDataString(spaced);
        }
        catch (UriFormatException)
        {
            return spaced;
        }
    }
}
