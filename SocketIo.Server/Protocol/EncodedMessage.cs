using System.Text;

namespace SocketIo.Server.Protocol;

/// <summary>
/// One Engine.IO message that a <see cref="SocketIoParser"/> encodes a packet into (Node: an element of what
/// <c>Encoder.encode</c> returns, a string or a Buffer). Text goes out as an Engine.IO text message, bytes as a binary one.
/// </summary>
public sealed class EncodedMessage
{
    private EncodedMessage(ReadOnlyMemory<byte> data, bool isBinary)
    {
        Data = data;
        IsBinary = isBinary;
    }

    /// <summary>Whether this is a binary message; otherwise <see cref="Data"/> is UTF-8 text.</summary>
    public bool IsBinary { get; }

    /// <summary>The message's bytes: UTF-8 for a text message. Not copied: the encoder must not change them later.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>A text message.</summary>
    public static EncodedMessage Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(Encoding.UTF8.GetBytes(text), isBinary: false);
    }

    /// <summary>A text message already encoded as UTF-8.</summary>
    public static EncodedMessage Text(ReadOnlyMemory<byte> utf8) => new(utf8, isBinary: false);

    /// <summary>A binary message.</summary>
    public static EncodedMessage Binary(ReadOnlyMemory<byte> data) => new(data, isBinary: true);

    /// <summary>The text of a text message.</summary>
    public string GetText() => Encoding.UTF8.GetString(Data.Span);

    /// <inheritdoc/>
    public override string ToString() => IsBinary ? $"<{Data.Length} bytes>" : GetText();
}
