using SocketIo.Server.Protocol;
using SocketIo.Server.Protocol.Msgpack;

namespace SocketIo.Fuzz;

/// <summary>
/// The msgpack parser's decoder (<c>MsgpackPacketDecoder.Decode</c>, one binary message per packet): it accepts a
/// packet or throws its protocol exception, nothing else. A decoded packet re-encodes with
/// <c>MsgpackPacketEncoder</c> to bytes that decode again and re-encode identically (a fixed point), except for
/// integral numbers outside [-2^63, 2^64), which notepack wraps modulo 2^64 (documented).
/// </summary>
internal static class MsgpackPacketTarget
{
    public static void Run(byte[] input)
    {
        SocketIoPacket packet;
        try
        {
            packet = MsgpackPacketDecoder.Decode(input);
        }
        catch (SocketIoProtocolException)
        {
            return; // the connection closes on a protocol error
        }

        var first = MsgpackPacketEncoder.Encode(packet).ToArray();
        SocketIoPacket again;
        try
        {
            again = MsgpackPacketDecoder.Decode(first);
        }
        catch (SocketIoProtocolException ex)
        {
            throw new FuzzInvariantException("our own encoding does not decode: " + ex.Message, ex);
        }

        if (LossyNumbers.HasWrapping(packet.Data))
        {
            return;
        }

        var second = MsgpackPacketEncoder.Encode(again).ToArray();
        FuzzInvariantException.Check(first.AsSpan().SequenceEqual(second), $"re-encoding is not a fixed point: {Convert.ToHexString(first)} then {Convert.ToHexString(second)}");
    }
}
