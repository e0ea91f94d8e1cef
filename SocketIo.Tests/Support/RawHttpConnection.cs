using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SocketIo.Tests.Support;

/// <summary>
/// A bare TCP connection for requests HttpClient will not send (WebSocket upgrades that must fail, header bytes
/// it would reject, <c>Expect: 100-continue</c> without a body) and for reading responses byte for byte.
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private byte[] _pending = [];

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttpConnection> ConnectAsync(int port)
    {
        var client = new TcpClient();
        try
        {
            using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return new RawHttpConnection(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The text of a WebSocket upgrade request for <paramref name="pathAndQuery"/>.</summary>
    public static string UpgradeRequest(int port, string pathAndQuery, params string[] extraHeaders)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"GET {pathAndQuery} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: 127.0.0.1:{port}\r\n")
            .Append("Connection: Upgrade\r\n")
            .Append("Upgrade: websocket\r\n")
            .Append("Sec-WebSocket-Version: 13\r\n")
            .Append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        foreach (var header in extraHeaders)
        {
            text.Append(header).Append("\r\n");
        }

        return text.Append("\r\n").ToString();
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        await _stream.WriteAsync(bytes, timeout.Token);
        await _stream.FlushAsync(timeout.Token);
    }

    /// <summary>Reads one response: status line, headers, and a Content-Length body (interim 1xx responses have none).</summary>
    public async Task<RawHttpResponse> ReadResponseAsync()
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        int headEnd;
        while ((headEnd = _pending.AsSpan().IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (!await FillAsync(timeout.Token))
            {
                throw new IOException($"Connection closed before a full response head: {Encoding.ASCII.GetString(_pending)}");
            }
        }

        var head = Encoding.Latin1.GetString(_pending, 0, headEnd);
        _pending = _pending[(headEnd + 4)..];
        var lines = head.Split("\r\n");
        var statusLine = lines[0];
        var status = int.Parse(statusLine.Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        var length = 0;
        var declared = headers.FirstOrDefault(h => string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        if (declared is not null)
        {
            length = int.Parse(declared, CultureInfo.InvariantCulture);
        }

        while (_pending.Length < length)
        {
            if (!await FillAsync(timeout.Token))
            {
                throw new IOException("Connection closed before the full response body.");
            }
        }

        var body = _pending[..length];
        _pending = _pending[length..];
        return new RawHttpResponse(statusLine, status, headers, body);
    }

    /// <summary>
    /// Reads one WebSocket frame from the server (after a 101): its first header byte's flags and its payload as sent
    /// (still deflated when RSV1 is set).
    /// </summary>
    public async Task<(bool Fin, bool Rsv1, int Opcode, byte[] Payload)> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        while (true)
        {
            if (_pending.Length >= 2)
            {
                var length = (long)(_pending[1] & 0x7F);
                var header = 2;
                if (length == 126 && _pending.Length >= 4)
                {
                    length = (_pending[2] << 8) | _pending[3];
                    header = 4;
                }
                else if (length == 127 && _pending.Length >= 10)
                {
                    length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(_pending.AsSpan(2));
                    header = 10;
                }

                if (length < 126 || header > 2)
                {
                    if (_pending.Length >= header + length)
                    {
                        var first = _pending[0];
                        var payload = _pending[header..(int)(header + length)];
                        _pending = _pending[(int)(header + length)..];
                        return ((first & 0x80) != 0, (first & 0x40) != 0, first & 0x0F, payload);
                    }
                }
            }

            if (!await FillAsync(timeout.Token))
            {
                throw new IOException("Connection closed before a whole frame.");
            }
        }
    }

    /// <summary>Sends one masked text frame, as a client must.</summary>
    public Task SendTextFrameAsync(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        if (payload.Length > 125)
        {
            throw new ArgumentException("Short frames only.", nameof(text));
        }

        byte[] mask = [1, 2, 3, 4];
        var frame = new byte[6 + payload.Length];
        frame[0] = 0x81;
        frame[1] = (byte)(0x80 | payload.Length);
        mask.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        return SendAsync(frame);
    }

    /// <summary>Sends one masked frame of any length with the first header byte as given (FIN, RSV bits, opcode).</summary>
    public Task SendFrameAsync(byte first, ReadOnlySpan<byte> payload)
    {
        var extended = payload.Length < 126 ? 0 : payload.Length <= ushort.MaxValue ? 2 : 8;
        var frame = new byte[2 + extended + 4 + payload.Length];
        frame[0] = first;
        frame[1] = (byte)(0x80 | (extended == 0 ? payload.Length : extended == 2 ? 126 : 127));
        if (extended == 2)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else if (extended == 8)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        byte[] mask = [9, 8, 7, 6];
        mask.CopyTo(frame, 2 + extended);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[2 + extended + 4 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        return SendAsync(frame);
    }

    /// <summary>How many received bytes no read has taken yet.</summary>
    public int UnreadBytes => _pending.Length;

    /// <summary>Whether the server closes the connection (a read returns 0 or the connection resets) before the timeout.</summary>
    public async Task<bool> WaitForPeerCloseAsync()
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        try
        {
            while (true)
            {
                if (!await FillAsync(timeout.Token))
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var read = await _stream.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            return false;
        }

        _pending = [.. _pending, .. buffer.AsSpan(0, read)];
        return true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
