using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Unicode;
using SocketIo.DirectWebSockets;

namespace SocketIo.Fuzz;

/// <summary>
/// The lean WebSocket's frame parser (<c>SocketWebSocket.ReceiveAsync</c>) reading client bytes from a real loopback
/// socket. Byte 0 picks the receive buffer size (and whether an empty-buffer header read precedes each read); the rest
/// is what the client sent before half-closing. Rejection is a <see cref="WebSocketException"/>.
/// </summary>
internal static class WebSocketFramesTarget
{
    private static readonly Lazy<Socket> Listener = new(() =>
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return listener;
    });

    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var bufferSize = 1 + (input[0] & 0x3F);
        var headerReads = (input[0] & 0x80) != 0;
        var wire = input.AsSpan(1, Math.Min(input.Length - 1, 60_000)); // below the socket buffers: the send never blocks
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(Listener.Value.LocalEndPoint!);
        var server = Listener.Value.Accept();
        client.Send(wire);
        client.Shutdown(SocketShutdown.Send);
        using var closed = new ManualResetEventSlim();
        var ws = new SocketWebSocket(server, TimeProvider.System, _ => closed.Set());
        try
        {
            Receive(ws, bufferSize, headerReads, wire.Length);
        }
        finally
        {
            ws.Dispose();
        }

        // Disposing closes the socket once the queued frames (pong, close) are written; waiting for it also keeps the
        // writer's work inside this run, where afl attributes its coverage, instead of spilling into the next one.
        FuzzInvariantException.Check(closed.Wait(TimeSpan.FromSeconds(3)), "the socket was not closed after Dispose");
    }

    private static void Receive(SocketWebSocket ws, int bufferSize, bool headerReads, int wireLength)
    {
        var buffer = new byte[bufferSize];
        var message = new List<byte>();
        // Every read consumes a byte or ends: more reads than bytes (twice, for header reads) is a loop without progress.
        for (var reads = 0; reads <= (2 * wireLength) + 4; reads++)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                if (headerReads)
                {
                    var header = ws.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    FuzzInvariantException.Check(header.Count == 0, "an empty read returned bytes");
                    if (header.MessageType == WebSocketMessageType.Close)
                    {
                        CheckClosed(ws);
                        return;
                    }
                }

                result = ws.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }
            catch (WebSocketException)
            {
                FuzzInvariantException.Check(ws.State == WebSocketState.Aborted, "a failed receive left the socket " + ws.State);
                return;
            }

            FuzzInvariantException.Check(result.Count <= buffer.Length, "count beyond the buffer");
            if (result.MessageType == WebSocketMessageType.Close)
            {
                CheckClosed(ws);
                return;
            }

            message.AddRange(buffer.AsSpan(0, result.Count));
            if (result.EndOfMessage)
            {
                FuzzInvariantException.Check(
                    result.MessageType != WebSocketMessageType.Text || Utf8.IsValid(message.ToArray()),
                    "a text message with invalid UTF-8 was accepted");
                message.Clear();
            }
        }

        throw new FuzzInvariantException("the receive loop made no progress");
    }

    private static void CheckClosed(SocketWebSocket ws) =>
        FuzzInvariantException.Check(ws.State == WebSocketState.CloseReceived, "a close frame left the socket " + ws.State);
}
