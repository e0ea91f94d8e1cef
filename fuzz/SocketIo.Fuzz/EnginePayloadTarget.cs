using SocketIo.Server.EngineIo;

namespace SocketIo.Fuzz;

/// <summary>A polling POST body: <c>EnginePacketCodec.DecodePayload</c> (records joined by 0x1e, "b"+base64 for binary).</summary>
internal static class EnginePayloadTarget
{
    public static void Run(byte[] input)
    {
        var packets = EnginePacketCodec.DecodePayload(input);
        FuzzInvariantException.Check(packets.Count > 0, "no record at all");
        // A bad record is a null, and only ever the last one (decoding stops there).
        for (var i = 0; i < packets.Count - 1; i++)
        {
            FuzzInvariantException.Check(packets[i] is not null, "a null before the last record");
        }

        if (packets[^1] is null)
        {
            packets.RemoveAt(packets.Count - 1);
        }

        if (packets.Count == 0)
        {
            return;
        }

        // What decoded re-encodes to a payload that decodes to the same packets (base64 is canonical the second time).
        var good = packets.Select(p => p!).ToList();
        var again = EnginePacketCodec.DecodePayload(EnginePacketCodec.EncodePayload(good));
        FuzzInvariantException.Check(again.Count == good.Count, "re-encoded payload has another record count");
        for (var i = 0; i < good.Count; i++)
        {
            var a = good[i];
            var b = again[i];
            FuzzInvariantException.Check(
                b is not null && a.Type == b.Type && a.IsBinary == b.IsBinary && a.Data.Span.SequenceEqual(b.Data.Span),
                $"record {i} does not survive a round trip");
        }
    }
}
