using SocketIo.Server.EngineIo;
using SocketIo.Server.Protocol;
using SocketIo.Server.Protocol.Msgpack;

namespace SocketIo.Server;

/// <summary>
/// How Socket.IO packets become Engine.IO messages and back (Node: the <c>parser</c> option, socket.io-parser's
/// <c>Encoder</c>/<c>Decoder</c>). Client and server must use the same one: a client with another parser is refused
/// (its first packet is a parse error, which closes its connection).
/// </summary>
public abstract class SocketIoParser
{
    private protected SocketIoParser(string name) => Name = name;

    /// <summary>socket.io-parser's text format with binary attachments: what every client speaks unless told otherwise.</summary>
    public static SocketIoParser Default { get; } = new JsonParser();

    /// <summary>
    /// npm <c>socket.io-msgpack-parser</c> 3.0.2: each packet is one binary msgpack message, bytes travel inside it;
    /// for clients created with <c>parser: require("socket.io-msgpack-parser")</c>.
    /// </summary>
    public static SocketIoParser Msgpack { get; } = new MsgpackParser();

    /// <summary>The parser's name: <c>default</c> or <c>msgpack</c>.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>The Engine.IO packets that carry <paramref name="packet"/>, in order; encoded once, shared by every recipient.</summary>
    internal abstract EnginePacket[] Encode(SocketIoPacket packet, bool compress);

    /// <summary>A decoder for one connection.</summary>
    internal abstract ISocketIoPacketDecoder CreateDecoder(SocketIoOptions options);

    private sealed class JsonParser() : SocketIoParser("default")
    {
        internal override EnginePacket[] Encode(SocketIoPacket packet, bool compress) => SocketIoWire.Encode(packet, compress);

        internal override ISocketIoPacketDecoder CreateDecoder(SocketIoOptions options) => new SocketIoPacketDecoder(options.MaxAttachments);
    }

    private sealed class MsgpackParser() : SocketIoParser("msgpack")
    {
        internal override EnginePacket[] Encode(SocketIoPacket packet, bool compress) =>
            [EnginePacket.Binary(MsgpackPacketEncoder.Encode(packet), compress)];

        internal override ISocketIoPacketDecoder CreateDecoder(SocketIoOptions options) => new MsgpackPacketDecoder();
    }
}
