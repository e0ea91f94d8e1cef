using System.Net.WebSockets;
using System.Text;

namespace SocketIo.Tests.Support;

/// <summary>A raw <see cref="ClientWebSocket"/> speaking Engine.IO frames, with bounded receives.</summary>
internal sealed class EngineWebSocket : IDisposable
{
    private EngineWebSocket(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public static async Task<EngineWebSocket> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        try
        {
            using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
            await socket.ConnectAsync(uri, timeout.Token);
            return new EngineWebSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task SendTextAsync(string text)
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>Sends one text message as <paramref name="fragments"/> WebSocket frames (a text frame, then continuations).</summary>
    public async Task SendTextFragmentsAsync(string text, int fragments)
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < fragments; i++)
        {
            var from = bytes.Length * i / fragments;
            var to = bytes.Length * (i + 1) / fragments;
            await Socket.SendAsync(bytes.AsMemory(from, to - from), WebSocketMessageType.Text, i == fragments - 1, timeout.Token);
        }
    }

    public async Task SendBinaryAsync(byte[] data)
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        await Socket.SendAsync(data, WebSocketMessageType.Binary, true, timeout.Token);
    }

    /// <summary>Receives one whole message (or the close frame), failing after the default timeout.</summary>
    public async Task<WebSocketFrame> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        var buffer = new byte[64 * 1024];
        using var data = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new WebSocketFrame(WebSocketMessageType.Close, [], result.CloseStatus);
                }

                data.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return new WebSocketFrame(result.MessageType, data.ToArray(), null);
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {Signals.DefaultTimeout.TotalSeconds} s waiting for a WebSocket frame.");
        }
    }

    /// <summary>Receives one message and requires it to be a text frame.</summary>
    public async Task<string> ReceiveTextAsync()
    {
        var frame = await ReceiveAsync();
        return frame.Type == WebSocketMessageType.Text
            ? frame.Text
            : throw new InvalidOperationException($"Expected a text frame, got {frame}.");
    }

    /// <summary>Receives the open packet that starts a direct WebSocket session.</summary>
    public async Task<EngineHandshake> ReceiveOpenAsync() => EngineHandshake.Parse(await ReceiveTextAsync());

    /// <summary>Answers the server's close frame (or starts the close handshake), bounded by the default timeout.</summary>
    public async Task CloseOutputAsync()
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }

    public void Dispose()
    {
        Socket.Abort();
        Socket.Dispose();
    }
}
