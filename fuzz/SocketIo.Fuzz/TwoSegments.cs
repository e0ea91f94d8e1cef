using System.Buffers;

namespace SocketIo.Fuzz;

/// <summary>A <see cref="ReadOnlySequence{T}"/> of two segments, as a pipe hands over bytes that came in two reads.</summary>
internal sealed class TwoSegments : ReadOnlySequenceSegment<byte>
{
    private TwoSegments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Of(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        var a = new TwoSegments(first, 0);
        var b = new TwoSegments(second, first.Length);
        a.Next = b;
        return new ReadOnlySequence<byte>(a, 0, b, second.Length);
    }
}
