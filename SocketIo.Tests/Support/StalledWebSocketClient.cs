using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace SocketIo.Tests.Support;

/// <summary>
/// A Socket.IO client over a bare TCP socket that connects to the main namespace and then stops reading: the model
/// of a client on a stalled network. Its receive buffer is made small before connecting, so that the kernel's
/// buffers fill after a few kilobytes and the server's own queues have to hold the rest.
/// </summary>
internal sealed class StalledWebSocketClient : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = [];

    private StalledWebSocketClient(Socket socket) => _socket = socket;

    /// <summary>The Engine.IO session id.</summary>
    public string EngineSid { get; private set; } = "";

    /// <summary>The Socket.IO socket id (<c>40{"sid":…}</c>).</summary>
    public string SocketId { get; private set; } = "";

    /// <summary>Opens <c>/socket.io/</c> over WebSocket, connects to <c>/</c>, and from then on reads nothing.</summary>
    public static async Task<StalledWebSocketClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveBufferSize = 4096, // before connecting: the window the server sees is small from the start
            NoDelay = true,
        };
        var client = new StalledWebSocketClient(socket);
        try
        {
            using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes(RawHttpConnection.UpgradeRequest(port, "/socket.io/?EIO=4&transport=websocket")), timeout.Token);
            await client.ReadUntilAsync("\r\n\r\n"u8.ToArray(), timeout.Token);
            var open = await client.ReadTextFrameAsync(timeout.Token);
            client.EngineSid = JsonNode.Parse(open[1..])!["sid"]!.GetValue<string>();
            await socket.SendAsync(MaskedTextFrame("40"), timeout.Token);
            var connected = await client.ReadTextFrameAsync(timeout.Token);
            if (!connected.StartsWith("40{", StringComparison.Ordinal))
            {
                throw new IOException("Expected the CONNECT answer, got " + connected);
            }

            client.SocketId = JsonNode.Parse(connected[2..])!["sid"]!.GetValue<string>();
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public void Dispose() => _socket.Dispose();

    private static byte[] MaskedTextFrame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[6 + payload.Length]; // short frames only: 2-byte header + 4-byte mask key
        frame[0] = 0x81;
        frame[1] = (byte)(0x80 | payload.Length);
        byte[] key = [0x37, 0xFA, 0x21, 0x3D];
        key.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ key[i % 4]);
        }

        return frame;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var read = await _socket.ReceiveAsync(buffer, cancellationToken);
        if (read == 0)
        {
            throw new IOException("The server closed the connection during the handshake.");
        }

        _pending.AddRange(buffer.AsSpan(0, read));
    }

    private async Task ReadUntilAsync(byte[] marker, CancellationToken cancellationToken)
    {
        int end;
        while ((end = _pending.ToArray().AsSpan().IndexOf(marker)) < 0)
        {
            await FillAsync(cancellationToken);
        }

        _pending.RemoveRange(0, end + marker.Length);
    }

    /// <summary>One short unmasked text frame from the server (the handshake's frames are all under 126 bytes).</summary>
    private async Task<string> ReadTextFrameAsync(CancellationToken cancellationToken)
    {
        while (_pending.Count < 2 || _pending.Count < 2 + (_pending[1] & 0x7F))
        {
            await FillAsync(cancellationToken);
        }

        var length = _pending[1] & 0x7F;
        var text = Encoding.UTF8.GetString(_pending.GetRange(2, length).ToArray());
        _pending.RemoveRange(0, 2 + length);
        return text;
    }
}
