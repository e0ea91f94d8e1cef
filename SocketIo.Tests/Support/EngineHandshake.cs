using System.Text.Json.Nodes;

namespace SocketIo.Tests.Support;

/// <summary>A parsed Engine.IO open packet (<c>0{…}</c>).</summary>
internal sealed record EngineHandshake(string Sid, string Packet, JsonObject Json)
{
    /// <summary>Parses an open packet; throws when <paramref name="packet"/> is not one.</summary>
    public static EngineHandshake Parse(string packet)
    {
        if (packet.Length < 2 || packet[0] != '0')
        {
            throw new FormatException($"Not an open packet: {packet}");
        }

        var json = JsonNode.Parse(packet[1..])?.AsObject() ?? throw new FormatException($"Not an open packet: {packet}");
        var sid = json["sid"]?.GetValue<string>() ?? throw new FormatException($"No sid in: {packet}");
        return new EngineHandshake(sid, packet, json);
    }
}
