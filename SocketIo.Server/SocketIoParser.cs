using SocketIo.Server.EngineIo;
using SocketIo.Server.Protocol;
using SocketIo.Server.Protocol.Msgpack;

namespace SocketIo.Server;

/// <summary>
/// How Socket.IO packets become Engine.IO messages and back (Node: the <c>parser</c> option, an object with
/// socket.io-parser's <c>Encoder</c> and <c>Decoder</c>). Client and server must use the same one: a client with another
/// parser is refused (its first packet is a parse error, which closes its connection).
/// </summary>
/// <remarks>
/// Two ship with the server (<see cref="Default"/>, <see cref="Msgpack"/>); any other format is a subclass that
/// implements <see cref="Encode"/> and <see cref="CreateDecoder"/>, with the client given the matching JavaScript
/// <c>parser</c>. A broadcast is encoded once, by the server's parser, and the same messages go to every recipient.
/// </remarks>
public abstract class SocketIoParser
{
    /// <param name="name">What logs and <see cref="ToString"/> call this parser.</param>
    protected SocketIoParser(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>socket.io-parser's text format with binary attachments: what every client speaks unless told otherwise.</summary>
    public static SocketIoParser Default { get; } = new JsonParser();

    /// <summary>
    /// npm <c>socket.io-msgpack-parser</c> 3.0.2: each packet is one binary msgpack message, bytes travel inside it;
    /// for clients created with <c>parser: require("socket.io-msgpack-parser")</c>.
    /// </summary>
    public static SocketIoParser Msgpack { get; } = new MsgpackParser();

    /// <summary>The parser's name: <c>default</c>, <c>msgpack</c>, or a custom parser's own.</summary>
    public string Name { get; }

    /// <summary>Whether this is one of the parsers that ship with the server, whose decoders need no checking.</summary>
    internal virtual bool IsBuiltIn => false;

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>
    /// The Engine.IO messages that carry <paramref name="packet"/>, in order (Node: <c>Encoder.encode</c>). Binary
    /// data in the packet is a <c>JValue</c> of bytes wherever the sender put it, and the type stays
    /// <see cref="SocketIoPacketType.Event"/> / <see cref="SocketIoPacketType.Ack"/> (as in Node, whether bytes need a
    /// binary type is the format's business: the default one looks for them and writes a binary type).
    /// Called once per broadcast, not once per recipient; must not change the packet.
    /// </summary>
    public abstract IReadOnlyList<EncodedMessage> Encode(SocketIoPacket packet);

    /// <summary>A decoder for one new connection (Node: <c>new Decoder()</c>); <paramref name="options"/> are the server's.</summary>
    public abstract ISocketIoPacketDecoder CreateDecoder(SocketIoOptions options);

    /// <summary>The Engine.IO packets that carry <paramref name="packet"/>: what is queued on each session.</summary>
    internal virtual EnginePacket[] EncodeFrames(SocketIoPacket packet, bool compress)
    {
        var messages = Encode(packet) ?? throw new InvalidOperationException($"The {Name} parser's Encode returned null.");
        var frames = new EnginePacket[messages.Count];
        for (var i = 0; i < frames.Length; i++)
        {
            var message = messages[i] ?? throw new InvalidOperationException($"The {Name} parser's Encode returned a null message.");
            frames[i] = message.IsBinary
                ? EnginePacket.Binary(message.Data, compress)
                : EnginePacket.Text(EnginePacketType.Message, message.Data, compress);
        }

        return frames;
    }

    /// <summary>Engine.IO packets back into the messages a parser makes (for the built-ins' <see cref="Encode"/>).</summary>
    private static EncodedMessage[] MessagesOf(EnginePacket[] frames) =>
        Array.ConvertAll(frames, f => f.IsBinary ? EncodedMessage.Binary(f.Data) : EncodedMessage.Text(f.Data));

    private sealed class JsonParser() : SocketIoParser("default")
    {
        internal override bool IsBuiltIn => true;

        public override IReadOnlyList<EncodedMessage> Encode(SocketIoPacket packet) => MessagesOf(SocketIoWire.Encode(packet));

        internal override EnginePacket[] EncodeFrames(SocketIoPacket packet, bool compress) => SocketIoWire.Encode(packet, compress);

        public override ISocketIoPacketDecoder CreateDecoder(SocketIoOptions options) => new SocketIoPacketDecoder(options.MaxAttachments);
    }

    private sealed class MsgpackParser() : SocketIoParser("msgpack")
    {
        internal override bool IsBuiltIn => true;

        public override IReadOnlyList<EncodedMessage> Encode(SocketIoPacket packet) => [EncodedMessage.Binary(MsgpackPacketEncoder.Encode(packet))];

        internal override EnginePacket[] EncodeFrames(SocketIoPacket packet, bool compress) =>
            [EnginePacket.Binary(MsgpackPacketEncoder.Encode(packet), compress)];

        public override ISocketIoPacketDecoder CreateDecoder(SocketIoOptions options) => new MsgpackPacketDecoder();
    }
}
