using SocketIo.Server.EngineIo;
using SocketIo.Server.Protocol;

namespace SocketIo.Server;

/// <summary>Turns a Socket.IO packet into the Engine.IO packets that carry it: one text message, then one binary message per attachment.</summary>
internal static class SocketIoWire
{
    public static EnginePacket[] Encode(SocketIoPacket packet, bool compress = true)
    {
        // The encoder writes the Engine.IO "4" itself, so the text frame goes out without another copy.
        var encoded = SocketIoPacketEncoder.Encode(packet, enginePrefix: true);
        var result = new EnginePacket[1 + encoded.Attachments.Count];
        result[0] = EnginePacket.FromTextFrame(encoded.Text, compress);
        for (var i = 0; i < encoded.Attachments.Count; i++)
        {
            result[i + 1] = EnginePacket.Binary(encoded.Attachments[i], compress);
        }

        return result;
    }
}
