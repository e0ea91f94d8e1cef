using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// The head of an HTTP/1.1 WebSocket upgrade request, parsed strictly: anything unusual (another method or version,
/// non-ASCII bytes, folded or malformed header lines, a body, a subprotocol, a head split over several reads) makes
/// <see cref="TryParse"/> return null, and the connection goes to Kestrel's HTTP stack, which answers it as before.
/// </summary>
internal sealed class WebSocketHandshakeRequest
{
    private const int MaxHeadLength = 8192;
    private const int MaxHeaders = 100; // Kestrel's default MaxRequestHeaderCount
    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    private WebSocketHandshakeRequest(string target, Dictionary<string, StringValues> headers, long length)
    {
        Target = target;
        Headers = headers;
        Length = length;
    }

    /// <summary>Path and query as received.</summary>
    public string Target { get; }

    /// <summary>The path part of <see cref="Target"/>.</summary>
    public string Path => Target[..QueryStart];

    /// <summary>The query string without its '?', or empty.</summary>
    public string QueryString => QueryStart < Target.Length ? Target[(QueryStart + 1)..] : string.Empty;

    private int QueryStart => Target.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? q : Target.Length;

    /// <summary>Header values by case-insensitive name; repeated headers keep every value.</summary>
    public Dictionary<string, StringValues> Headers { get; }

    /// <summary>Bytes of the head, up to and including the empty line.</summary>
    public long Length { get; }

    public string? Header(string name) => Headers.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null;

    /// <summary>Parses a complete upgrade request head at the start of <paramref name="buffer"/>, or returns null.</summary>
    public static WebSocketHandshakeRequest? TryParse(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer.Length > MaxHeadLength ? buffer.Slice(0, MaxHeadLength) : buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> headBytes, EndOfHead, advancePastDelimiter: true))
        {
            return null;
        }

        var length = reader.Consumed;
        ReadOnlySpan<byte> bytes = headBytes.IsSingleSegment ? headBytes.FirstSpan : headBytes.ToArray();
        foreach (var b in bytes)
        {
            if (b >= 0x80 || (b < 0x20 && b is not (byte)'\r' and not (byte)'\n' and not (byte)'\t') || b == 0x7f)
            {
                return null;
            }
        }

        var text = Encoding.ASCII.GetString(bytes);
        var lines = text.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0] != "GET" || requestLine[2] != "HTTP/1.1" || !requestLine[1].StartsWith('/'))
        {
            return null;
        }

        if (lines.Length > MaxHeaders + 1)
        {
            return null; // Kestrel answers 431
        }

        var headers = new Dictionary<string, StringValues>(lines.Length, StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            if (line.Contains('\r', StringComparison.Ordinal) || line.Contains('\n', StringComparison.Ordinal))
            {
                return null; // a bare CR or LF: Kestrel's parser decides what that is
            }
        }

        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)))
            {
                return null; // also folded lines (leading whitespace) and bare lines
            }

            var name = HeaderStrings.Get(line.AsSpan(0, colon));
            var value = HeaderStrings.Get(line.AsSpan(colon + 1).Trim(" \t"));
            headers[name] = headers.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }

        return new WebSocketHandshakeRequest(requestLine[1], headers, length);
    }

    /// <summary>
    /// True for a plain RFC 6455 upgrade this server can answer without Kestrel: one Host, Upgrade: websocket,
    /// Connection naming upgrade, version 13, a key of 16 bytes, no subprotocol, no body. An extension offer is
    /// ignored unless permessage-deflate is on, and then negotiated (<see cref="DirectWebSocketAdmission.TryNegotiateDeflate"/>).
    /// </summary>
    public bool IsPlainUpgrade()
    {
        if (Header("Host") is null
            || !string.Equals(Header("Upgrade"), "websocket", StringComparison.OrdinalIgnoreCase)
            || Header("Sec-WebSocket-Version") != "13"
            || Headers.ContainsKey("Sec-WebSocket-Protocol")
            || Headers.ContainsKey("Content-Length")
            || Headers.ContainsKey("Transfer-Encoding"))
        {
            return false;
        }

        if (!Headers.TryGetValue("Connection", out var connection) || !connection.Any(c => c is not null && c.Split(',').Any(t => t.Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase))))
        {
            return false;
        }

        Span<byte> key = stackalloc byte[24];
        return Header("Sec-WebSocket-Key") is { Length: 24 } k && Convert.TryFromBase64String(k, key, out var n) && n == 16;
    }

    /// <summary>
    /// The 101 response (RFC 6455 §4.2.2), with the headers ws sends (the agreed <paramref name="extensions"/> among
    /// them), then <paramref name="extra"/> (the engine's <c>headers</c> listeners: ws appends them after its own
    /// too), one line per value.
    /// </summary>
    /// <exception cref="InvalidOperationException">An extra header that cannot be written in an HTTP/1.1 head.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "RFC 6455 defines Sec-WebSocket-Accept as SHA-1; it is not used for security.")]
    public byte[] SwitchingProtocolsResponse(IReadOnlyDictionary<string, StringValues>? extra = null, string? extensions = null)
    {
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(Header("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        var head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n";
        if (extensions is not null)
        {
            head += "Sec-WebSocket-Extensions: " + extensions + "\r\n";
        }

        if (extra is { Count: > 0 })
        {
            var builder = new StringBuilder(head);
            foreach (var (name, values) in extra)
            {
                foreach (var value in values)
                {
                    // Node's http module refuses such headers (ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR); written
                    // as they are, a CR or LF would let a listener's input split the response.
                    if (name.Length == 0 || !IsToken(name) || value is null || !IsFieldValue(value))
                    {
                        throw new InvalidOperationException($"The response header '{name}' cannot be written: its name or value has a character HTTP does not allow.");
                    }

                    builder.Append(name).Append(": ").Append(value).Append("\r\n");
                }
            }

            head = builder.ToString();
        }

        return Encoding.Latin1.GetBytes(head + "\r\n");
    }

    /// <summary>A header value Node's http module writes (_http_common checkInvalidHeaderChar): Latin-1, tab, no controls.</summary>
    private static bool IsFieldValue(string value)
    {
        foreach (var c in value)
        {
            if (c > 255 || (c < 32 && c != '\t') || c == 127)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsToken(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
