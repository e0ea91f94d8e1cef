using System.Text;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// One immutable Engine.IO packet. Text payloads are kept as UTF-8 bytes so that a packet built once
/// (for example a broadcast) is written to every recipient without re-encoding: the WebSocket text
/// frame (type digit + payload) is computed on first use and cached.
/// </summary>
internal sealed class EnginePacket
{
    // Set once at construction for packets built from a whole frame; never torn, never changed.
    private readonly ReadOnlyMemory<byte> _encodedFrame;
    // Built on first use otherwise; a reference, so publishing it is atomic.
    private byte[]? _builtFrame;

    private EnginePacket(EnginePacketType type, ReadOnlyMemory<byte> data, bool isBinary, bool compress, ReadOnlyMemory<byte> encodedFrame = default)
    {
        _encodedFrame = encodedFrame;
        Type = type;
        Data = data;
        IsBinary = isBinary;
        Compress = compress;
    }

    /// <summary>The packet type.</summary>
    public EnginePacketType Type { get; }

    /// <summary>The payload: UTF-8 text, or raw bytes when <see cref="IsBinary"/>.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Whether the payload is binary (only message packets can be).</summary>
    public bool IsBinary { get; }

    /// <summary>Whether HTTP compression may be applied to the polling payload carrying this packet (Node: <c>options.compress</c>).</summary>
    public bool Compress { get; }

    /// <summary>Cached <c>ping</c> packet.</summary>
    public static readonly EnginePacket Ping = new(EnginePacketType.Ping, default, false, true);

    /// <summary>Cached <c>pong</c> packet (the answer to a v3 client's ping).</summary>
    public static readonly EnginePacket Pong = new(EnginePacketType.Pong, default, false, true);

    /// <summary>Cached <c>noop</c> packet.</summary>
    public static readonly EnginePacket Noop = new(EnginePacketType.Noop, default, false, true);

    /// <summary>Cached <c>close</c> packet.</summary>
    public static readonly EnginePacket CloseAll = new(EnginePacketType.Close, default, false, true);

    internal static readonly EnginePacket PongProbe = Text(EnginePacketType.Pong, "probe");

    /// <summary>Creates a text packet of any type.</summary>
    public static EnginePacket Text(EnginePacketType type, string data, bool compress = true) =>
        new(type, Encoding.UTF8.GetBytes(data), false, compress);

    /// <summary>Creates a text packet whose payload is already UTF-8 encoded.</summary>
    public static EnginePacket Text(EnginePacketType type, ReadOnlyMemory<byte> utf8, bool compress = true) =>
        new(type, utf8, false, compress);

    /// <summary>
    /// Creates a text packet from its whole encoded form (type digit first), as an encoder that writes the digit
    /// itself produces it: the frame is sent as is, with no copy.
    /// </summary>
    public static EnginePacket FromTextFrame(ReadOnlyMemory<byte> frame, bool compress = true)
    {
        if (frame.IsEmpty || frame.Span[0] is < (byte)'0' or > (byte)'6')
        {
            throw new ArgumentException("A text frame starts with the packet type digit.", nameof(frame));
        }

        return new EnginePacket((EnginePacketType)(frame.Span[0] - '0'), frame[1..], false, compress, frame);
    }

    /// <summary>Creates a text <c>message</c> packet.</summary>
    public static EnginePacket Message(string text, bool compress = true) => Text(EnginePacketType.Message, text, compress);

    /// <summary>Creates a binary <c>message</c> packet.</summary>
    public static EnginePacket Binary(ReadOnlyMemory<byte> data, bool compress = true) =>
        new(EnginePacketType.Message, data, true, compress);

    /// <summary>
    /// The bytes of this packet as one WebSocket text frame or one polling record: the type digit followed by
    /// the UTF-8 payload. Computed once and shared by every recipient.
    /// </summary>
    internal ReadOnlyMemory<byte> TextFrame
    {
        get
        {
            if (IsBinary)
            {
                throw new InvalidOperationException("A binary packet has no text frame.");
            }

            if (!_encodedFrame.IsEmpty)
            {
                return _encodedFrame;
            }

            var frame = Volatile.Read(ref _builtFrame);
            if (frame is null)
            {
                // A benign race: two threads may both build the same bytes; either result is correct.
                frame = new byte[Data.Length + 1];
                frame[0] = (byte)('0' + (int)Type);
                Data.Span.CopyTo(frame.AsSpan(1));
                Volatile.Write(ref _builtFrame, frame);
            }

            return frame;
        }
    }

    /// <summary>The payload as a string (text packets only); for diagnostics and tests.</summary>
    public string GetText() => Encoding.UTF8.GetString(Data.Span);

    /// <inheritdoc />
    public override string ToString() => IsBinary ? $"{Type} <{Data.Length} bytes>" : $"{(int)Type}{GetText()}";
}
