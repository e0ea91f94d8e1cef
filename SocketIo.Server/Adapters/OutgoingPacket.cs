using Newtonsoft.Json.Linq;
using SocketIo.Server.EngineIo;
using SocketIo.Server.Protocol;

namespace SocketIo.Server.Adapters;

/// <summary>
/// A Socket.IO packet encoded once for every recipient: the packet itself (outgoing listeners read it) and its
/// Engine.IO frames in the server's parser format (the same instances are queued on each session). A broadcast is
/// encoded into one of these.
/// </summary>
public sealed class OutgoingPacket
{
    private readonly bool _compress;

    // Frames in the default parser's format and in one other parser's (a server has one parser; the msgpack or a
    // custom one is the other), encoded when the first recipient needs them: a broadcast that reaches nobody encodes
    // nothing, and a server encodes only in its own parser's format.
    private EnginePacket[]? _defaultWire;
    private ParserWire? _otherWire;

    private OutgoingPacket(SocketIoPacket packet, bool isVolatile, string? offset, bool compress)
    {
        Packet = packet;
        Volatile = isVolatile;
        Offset = offset;
        _compress = compress;
    }

    /// <summary>The packet as sent (with the offset appended, if any).</summary>
    public SocketIoPacket Packet { get; }

    /// <summary>Dropped for sessions that cannot take it at once (Node: <c>volatile</c>).</summary>
    public bool Volatile { get; }

    /// <summary>
    /// The packet's offset for connection state recovery, sent as its last argument (Node's
    /// <c>SessionAwareAdapter</c> appends it to every non-volatile event it broadcasts); null when none.
    /// </summary>
    public string? Offset { get; }

    /// <summary>
    /// The Engine.IO frames for <paramref name="parser"/>, encoded once per parser and shared by every recipient. Two
    /// first callers racing may both encode; either result is the same bytes, so the race is harmless.
    /// </summary>
    internal IReadOnlyList<EnginePacket> WireFor(SocketIoParser parser)
    {
        if (ReferenceEquals(parser, SocketIoParser.Default))
        {
            return _defaultWire ??= parser.EncodeFrames(Packet, _compress);
        }

        // One reference holds the parser and its frames, so a reader never sees one without the other.
        var other = System.Threading.Volatile.Read(ref _otherWire);
        if (other is not null && ReferenceEquals(other.Parser, parser))
        {
            return other.Wire;
        }

        var wire = parser.EncodeFrames(Packet, _compress);
        System.Threading.Volatile.Write(ref _otherWire, new ParserWire(parser, wire));
        return wire;
    }

    private sealed record ParserWire(SocketIoParser Parser, EnginePacket[] Wire);

    /// <summary>
    /// Prepares <paramref name="packet"/> with the given flags (compression, volatile); it is encoded when first sent,
    /// once per parser. With <paramref name="offset"/>, the offset is appended to the event's arguments first, as a
    /// recovering client expects it.
    /// </summary>
    public static OutgoingPacket Create(SocketIoPacket packet, BroadcastFlags flags, string? offset = null)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(flags);
        if (offset is not null)
        {
            if (packet.Data is not JArray args)
            {
                throw new ArgumentException("Only a packet with arguments can carry an offset.", nameof(packet));
            }

            var withOffset = new JArray(args) { offset };
            packet = packet with { Data = withOffset };
        }

        return new OutgoingPacket(packet, flags.Volatile, offset, flags.Compress != false);
    }
}
