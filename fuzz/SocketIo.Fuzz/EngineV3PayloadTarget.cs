using System.Text.Unicode;
using SocketIo.Server.EngineIo;
using SocketIo.Server.EngineIo.V3;

namespace SocketIo.Fuzz;

/// <summary>
/// A v3 polling POST body (socket.io 2.x clients): byte 0 picks the decoder (even: text <c>&lt;length&gt;:&lt;packet&gt;</c>,
/// odd: the <c>application/octet-stream</c> binary payload), the rest is the body.
/// </summary>
internal static class EngineV3PayloadTarget
{
    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var binary = (input[0] & 1) == 1;
        var body = input.AsSpan(1);
        var packets = binary ? EngineV3Codec.DecodeBinaryPayload(body) : EngineV3Codec.DecodeTextPayload(body);
        // Only a record that decodes to nothing at all may leave the list empty (a text body of empty records).
        for (var i = 0; i < packets.Count - 1; i++)
        {
            FuzzInvariantException.Check(packets[i] is not null, "a null before the last record");
        }

        if (packets.Count > 0 && packets[^1] is null)
        {
            packets.RemoveAt(packets.Count - 1);
        }

        var good = packets.Select(p => p!).ToList();
        // The server writes only valid UTF-8; a binary body's string records may carry anything, which the text
        // format cannot round-trip (the text decoder reads the body as UTF-8, as Node does).
        if (good.Count == 0 || good.Any(p => !p.IsBinary && !Utf8.IsValid(p.Data.Span)))
        {
            return;
        }

        foreach (var supportsBinary in new[] { false, true })
        {
            var encoded = EngineV3Codec.EncodePayload(good, supportsBinary, out var isBinary);
            var again = isBinary ? EngineV3Codec.DecodeBinaryPayload(encoded) : EngineV3Codec.DecodeTextPayload(encoded);
            FuzzInvariantException.Check(again.Count == good.Count, $"re-encoded payload (binary: {isBinary}) has another record count");
            for (var i = 0; i < good.Count; i++)
            {
                var a = good[i];
                var b = again[i];
                // Binary data of a packet other than a message is dropped by the text frame's type digit; compare what travels.
                FuzzInvariantException.Check(
                    b is not null && a.Type == b.Type && a.IsBinary == b.IsBinary && a.Data.Span.SequenceEqual(b.Data.Span),
                    $"record {i} does not survive a round trip (binary: {isBinary})");
            }
        }
    }
}
