using SocketIo.Redis;
using SocketIo.Redis.Codec;

namespace SocketIo.Fuzz;

/// <summary>
/// The JSON-or-msgpack payload rule (<c>ClusterPayload.TryDecode</c>, never throws) and the sharded envelope decoder
/// on top of it (<c>ShardedWireFormat.Decode</c>, null when it is not an envelope); a decoded envelope re-encodes to
/// one that decodes to the same message (a missing uid comes back empty: the adapters always set their own).
/// </summary>
internal static class ClusterPayloadTarget
{
    public static void Run(byte[] input)
    {
        if (ClusterPayload.TryDecode(input, out var value))
        {
            _ = ClusterPayload.ContainsBinary(value);
        }

        if (ShardedWireFormat.Decode(input) is not { } message)
        {
            return;
        }

        var encoded = ShardedWireFormat.Encode(message);
        var again = ShardedWireFormat.Decode(encoded)
            ?? throw new FuzzInvariantException("our own envelope does not decode");
        FuzzInvariantException.Check(
            again.Type == message.Type && (again.Uid ?? string.Empty) == (message.Uid ?? string.Empty) && again.Nsp == message.Nsp
            && Newtonsoft.Json.Linq.JToken.DeepEquals(again.Data, message.Data),
            "the envelope does not survive a round trip: " + Convert.ToHexString(encoded));
    }
}
