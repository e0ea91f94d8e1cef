using System.Net.WebSockets;
using System.Text;
using NUnit.Framework;
using SocketIo.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// On the event loop's thread, frames are written at the end of the loop's batch of events, all of a socket's in one
/// system call.
/// </summary>
public sealed partial class SocketWebSocketTests
{
    [Test]
    public async Task OnTheLoopsThread_TheFramesOfOneTurn_GoOutInOneWrite()
    {
        Assume.That(eventLoop && EpollLoop.IsSupported, "only the event loop holds frames for the end of its batch");
        string? thread = null;
        var handled = HandleOnTheLoopAsync(async () =>
        {
            thread = Thread.CurrentThread.Name;
            var first = _ws.SendAsync(Encoding.UTF8.GetBytes("first"), WebSocketMessageType.Text, true, CancellationToken.None);
            var second = _ws.SendAsync(Encoding.UTF8.GetBytes("second"), WebSocketMessageType.Text, true, CancellationToken.None);
            await first;
            await second;
        });
        await SendRawAsync(Text("go"));
        await handled.Within("the message to be handled");

        Assert.That(thread, Does.StartWith("SocketIo I/O"), "the receive's continuation runs on the loop's thread");
        Assert.That(Encoding.UTF8.GetString((await ReadServerFrameAsync()).Payload), Is.EqualTo("first"));
        Assert.That(Encoding.UTF8.GetString((await ReadServerFrameAsync()).Payload), Is.EqualTo("second"));
        Assert.That(_ws.Writes, Is.EqualTo(1), "both frames in one system call, at the end of the loop's batch");
    }

    /// <summary>Receives the next message and runs <paramref name="handle"/> where the receive completed.</summary>
    private async Task HandleOnTheLoopAsync(Func<Task> handle)
    {
        var buffer = new byte[64];
        var result = await _ws.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
        Assert.That(result.EndOfMessage, Is.True);
        await handle().ConfigureAwait(false);
    }
}
