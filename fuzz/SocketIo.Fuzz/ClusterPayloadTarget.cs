using SocketIo.Redis;
using SocketIo.Redis.Codec;

namespace SocketIo.Fuzz;

/// <summary>
/// The JSON-or-msgpack payload rule (<c>ClusterPayload.TryDecode</c>, never throws) and the sharded envelope decoder
/// on top of it (<c>ShardedWireFormat.Decode</c>, null when it is not an envelope). A decoded envelope re-encodes to
/// bytes that decode to the same type, uid and namespace and re-encode identically (a fixed point). The first encoding
/// may change the data the way Node's does: bytes in a JSON-only type become <c>{type: "Buffer", data}</c>, ±Infinity
/// and NaN become null in JSON, integral numbers beyond ±2^64 wrap in msgpack; a missing uid comes back empty (the
/// adapters always set their own).
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

        var first = ShardedWireFormat.Encode(message);
        var again = ShardedWireFormat.Decode(first) ?? throw new FuzzInvariantException("our own envelope does not decode");
        FuzzInvariantException.Check(
            again.Type == message.Type && (again.Uid ?? string.Empty) == (message.Uid ?? string.Empty) && again.Nsp == message.Nsp,
            $"the envelope does not survive a round trip: {message} became {again}");
        if (LossyNumbers.HasWrapping(message.Data))
        {
            return; // the wrapped value is written as a 9-byte uint64, which reads back as a small integer
        }

        var second = ShardedWireFormat.Encode(again);
        FuzzInvariantException.Check(
            first.AsSpan().SequenceEqual(second),
            $"re-encoding is not a fixed point: {Convert.ToHexString(first)} then {Convert.ToHexString(second)}");
    }
}
