using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Fuzz;

/// <summary>
/// The Socket.IO decoder of one connection (<c>SocketIoPacketDecoder</c>), binary reconstruction included. The input
/// is a sequence of Engine.IO messages joined by 0x1e: text while no packet waits for attachments, binary while one
/// does; a message starting with 0x00 goes in as binary regardless (a stray attachment).
/// </summary>
internal static class SocketIoPacketTarget
{
    public static void Run(byte[] input)
    {
        var decoder = new SocketIoPacketDecoder();
        foreach (var message in Split(input))
        {
            SocketIoPacket? packet;
            try
            {
                packet = decoder.IsReconstructing || (message.Length > 0 && message[0] == 0)
                    ? decoder.AddBinary(message)
                    : decoder.AddText(message);
            }
            catch (SocketIoProtocolException)
            {
                decoder.Reset(); // the connection closes on a protocol error; the next message starts afresh
                continue;
            }

            if (packet is not null && !LossyNumbers.HasNonFinite(packet.Data))
            {
                CheckRoundTrip(packet);
            }
        }
    }

    /// <summary>
    /// Encoding a decoded packet and decoding that again reaches a fixed point: the second encoding is byte for byte
    /// the first (the first decode may normalise, e.g. a 19-digit id or escapes in strings; after it nothing changes).
    /// </summary>
    private static void CheckRoundTrip(SocketIoPacket packet)
    {
        var first = SocketIoPacketEncoder.Encode(packet);
        var decoded = Decode(first);
        var second = SocketIoPacketEncoder.Encode(decoded);
        FuzzInvariantException.Check(
            first.Text.Span.SequenceEqual(second.Text.Span),
            "re-encoding differs: " + System.Text.Encoding.UTF8.GetString(first.Text.Span) + " / " + System.Text.Encoding.UTF8.GetString(second.Text.Span));
        FuzzInvariantException.Check(first.Attachments.Count == second.Attachments.Count, "attachment count differs");
        for (var i = 0; i < first.Attachments.Count; i++)
        {
            FuzzInvariantException.Check(first.Attachments[i].Span.SequenceEqual(second.Attachments[i].Span), "attachment differs");
        }

        FuzzInvariantException.Check(
            decoded.Namespace == packet.Namespace && decoded.Id == packet.Id && JsEquals(decoded.Data, packet.Data),
            "decoded packet differs from the original");
    }

    /// <summary>
    /// Equality of JS values: a number is a number whether Newtonsoft holds it as an integer or a float (a 17-digit
    /// fraction such as 22222222222222222.2 decodes to an integral double, written back without its fraction).
    /// </summary>
    private static bool JsEquals(JToken? a, JToken? b) => (a, b) switch
    {
        (JValue { Type: JTokenType.Integer or JTokenType.Float } x, JValue { Type: JTokenType.Integer or JTokenType.Float } y) =>
            (double)x == (double)y,
        (JArray x, JArray y) => x.Count == y.Count && x.Zip(y).All(p => JsEquals(p.First, p.Second)),
        (JObject x, JObject y) => x.Count == y.Count && x.Properties().All(p => y.TryGetValue(p.Name, out var v) && JsEquals(p.Value, v)),
        _ => JToken.DeepEquals(a, b),
    };

    private static SocketIoPacket Decode(EncodedSocketIoPacket encoded)
    {
        // Our own encoding must always decode: a SocketIoProtocolException here is a bug, and propagates.
        var decoder = new SocketIoPacketDecoder();
        var packet = decoder.AddText(encoded.Text.Span);
        foreach (var attachment in encoded.Attachments)
        {
            FuzzInvariantException.Check(packet is null, "a packet before its attachments");
            packet = decoder.AddBinary(attachment.ToArray());
        }

        return packet ?? throw new FuzzInvariantException("our own encoding did not decode to a packet");
    }

    private static List<byte[]> Split(byte[] input)
    {
        var messages = new List<byte[]>();
        var start = 0;
        for (var i = 0; i <= input.Length; i++)
        {
            if (i == input.Length || input[i] == 0x1e)
            {
                messages.Add(input[start..i]);
                start = i + 1;
            }
        }

        return messages;
    }
}
