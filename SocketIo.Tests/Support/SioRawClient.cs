using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace SocketIo.Tests.Support;

/// <summary>One Socket.IO frame as a raw client saw it: a text packet (without the Engine.IO <c>4</c>) or an attachment.</summary>
internal sealed record SioFrame(string? Text, byte[]? Binary)
{
    public bool IsBinary => Binary is not null;

    public override string ToString() => Text ?? "binary [" + Convert.ToHexString(Binary!) + "]";
}

/// <summary>
/// A raw Socket.IO client over <see cref="ClientWebSocket"/>, for exact bytes: every Engine.IO message (<c>4…</c>)
/// and binary frame lands in an ordered queue that tests read with bounded waits. Pings are answered unless
/// <see cref="AnswerPings"/> is false. The server writes through one queue per session, so "the next frame is X"
/// also proves that nothing was sent before X.
/// </summary>
internal sealed partial class SioRawClient : IDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<SioFrame> _frames = Channel.CreateUnbounded<SioFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pings;

    private SioRawClient(ClientWebSocket socket, string open)
    {
        _socket = socket;
        Open = JsonNode.Parse(open[1..])!.AsObject();
        EngineSid = Open["sid"]!.GetValue<string>();
        _ = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>The Engine.IO open packet's JSON.</summary>
    public JsonObject Open { get; }

    /// <summary>The Engine.IO session id.</summary>
    public string EngineSid { get; }

    /// <summary>Whether Engine.IO pings get a pong.</summary>
    public bool AnswerPings { get; set; } = true;

    /// <summary>Pings received so far.</summary>
    public int Pings => Volatile.Read(ref _pings);

    /// <summary>Completes when the server ends the WebSocket (close frame or connection loss).</summary>
    public Task Closed => _closed.Task;

    public static async Task<SioRawClient> ConnectAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        try
        {
            configure?.Invoke(socket.Options);
            using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
            await socket.ConnectAsync(uri, timeout.Token);
            var open = await ReceiveMessageAsync(socket, timeout.Token);
            if (open.Type != WebSocketMessageType.Text || !open.Text.StartsWith('0'))
            {
                throw new InvalidOperationException($"Expected an open packet, got {open.Type} \"{open.Text}\".");
            }

            return new SioRawClient(socket, open.Text);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends a Socket.IO packet (the Engine.IO <c>4</c> is added).</summary>
    public Task SendAsync(string packet) => SendEngineAsync("4" + packet);

    /// <summary>Sends a raw Engine.IO text frame.</summary>
    public Task SendEngineAsync(string frame) => SendFrameAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text);

    /// <summary>Sends a binary attachment.</summary>
    public Task SendBinaryAsync(byte[] data) => SendFrameAsync(data, WebSocketMessageType.Binary);

    /// <summary>The next frame, failing after the default timeout or if the connection closed first.</summary>
    public async Task<SioFrame> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        try
        {
            if (await _frames.Reader.WaitToReadAsync(timeout.Token) && _frames.Reader.TryRead(out var frame))
            {
                return frame;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {Signals.DefaultTimeout.TotalSeconds} s waiting for a Socket.IO frame.");
        }

        throw new InvalidOperationException("The connection closed before the expected frame arrived.");
    }

    /// <summary>The next frame, which must be a text packet.</summary>
    public async Task<string> ReceiveTextAsync()
    {
        var frame = await ReceiveAsync();
        return frame.Text ?? throw new InvalidOperationException($"Expected a text packet, got {frame}.");
    }

    /// <summary>The next frame, which must be a binary attachment.</summary>
    public async Task<byte[]> ReceiveBinaryAsync()
    {
        var frame = await ReceiveAsync();
        return frame.Binary ?? throw new InvalidOperationException($"Expected a binary attachment, got {frame}.");
    }

    /// <summary>Reads the next <paramref name="count"/> text packets.</summary>
    public async Task<List<string>> ReceiveTextsAsync(int count)
    {
        var texts = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            texts.Add(await ReceiveTextAsync());
        }

        return texts;
    }

    /// <summary>Frames already received and not read yet (never waits).</summary>
    public List<SioFrame> Drain()
    {
        var frames = new List<SioFrame>();
        while (_frames.Reader.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        return frames;
    }

    /// <summary>
    /// Sends CONNECT for <paramref name="nsp"/> (<c>40</c>, <c>40/nsp,</c>, plus the auth JSON) and requires the
    /// next packet to be the server's CONNECT <c>{"sid":…}</c>; returns the socket id.
    /// </summary>
    public async Task<string> ConnectNamespaceAsync(string nsp = "/", string? authJson = null)
    {
        var prefix = nsp == "/" ? "0" : "0" + nsp + ",";
        await SendAsync(prefix + authJson);
        var reply = await ReceiveTextAsync();
        var match = ConnectReply().Match(reply);
        if (!reply.StartsWith(prefix + "{", StringComparison.Ordinal) || !match.Success)
        {
            throw new InvalidOperationException($"Expected CONNECT for {nsp}, got \"{reply}\".");
        }

        return match.Groups["sid"].Value;
    }

    /// <summary>Waits until the server has closed the WebSocket.</summary>
    public Task WaitForCloseAsync() => Closed.WithTimeout("the server to close the WebSocket");

    /// <summary>Drops the TCP connection without a close handshake (the server sees "transport close").</summary>
    public void Abort() => _socket.Abort();

    public void Dispose()
    {
        _socket.Abort();
        _socket.Dispose();
        _sendLock.Dispose();
    }

    private async Task SendFrameAsync(byte[] data, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        await _sendLock.WaitAsync(timeout.Token);
        try
        {
            await _socket.SendAsync(data, type, true, timeout.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        WebSocketCloseStatus? status = null;
        try
        {
            while (true)
            {
                var message = await ReceiveMessageAsync(_socket, CancellationToken.None);
                if (message.Type == WebSocketMessageType.Close)
                {
                    status = message.Status;
                    await AnswerCloseAsync();
                    break;
                }

                if (message.Type == WebSocketMessageType.Binary)
                {
                    _frames.Writer.TryWrite(new SioFrame(null, message.Data));
                }
                else if (message.Text.StartsWith('4'))
                {
                    _frames.Writer.TryWrite(new SioFrame(message.Text[1..], null));
                }
                else if (message.Text == "2")
                {
                    Interlocked.Increment(ref _pings);
                    if (AnswerPings)
                    {
                        await SendEngineAsync("3");
                    }
                }

                // "6" (noop) and "1" (close, followed by the close frame) carry nothing for the tests.
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The connection is gone: that is the close.
        }
        finally
        {
            _frames.Writer.TryComplete();
            _closed.TrySetResult(status);
        }
    }

    private async Task AnswerCloseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Already gone.
        }
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data, string Text, WebSocketCloseStatus? Status)> ReceiveMessageAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var data = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, [], string.Empty, result.CloseStatus);
            }

            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                var bytes = data.ToArray();
                var text = result.MessageType == WebSocketMessageType.Text ? Encoding.UTF8.GetString(bytes) : string.Empty;
                return (result.MessageType, bytes, text, null);
            }
        }
    }

    [GeneratedRegex("^0(?:/[^,]*,)?\\{\"sid\":\"(?<sid>[^\"]+)\"\\}$")]
    private static partial Regex ConnectReply();
}
