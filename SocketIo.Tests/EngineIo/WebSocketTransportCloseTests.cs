using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Server.EngineIo.Transports;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>Closing the WebSocket transport ends the connection even when the peer has stopped reading.</summary>
[TestFixture]
public sealed class WebSocketTransportCloseTests
{
    [Test]
    public async Task AClose_WhileABatchIsStuckBehindAPeerThatDoesNotRead_EndsTheConnectionAfterTheGrace()
    {
        var time = new FakeTimeProvider();
        var socket = new StuckWebSocket();
        var transport = new WebSocketTransport(socket, new EngineIoOptions { TimeProvider = time });
        var run = transport.RunAsync(CancellationToken.None);
        Assert.That(transport.TrySend([EnginePacket.Text(EnginePacketType.Message, "x"u8.ToArray())]), Is.True);
        await socket.SendStarted.Task.Within("the batch's send");

        transport.Close();

        // The grace is 5 s of the server's clock (as for an unanswered close frame); without it the connection would
        // live until shutdown.
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.That(run.IsCompleted, Is.False, "still within the grace");
        time.Advance(TimeSpan.FromSeconds(0.1));
        // Bounded well under the grace: a timer on the system clock would still be 5 s away.
        await socket.SendCancelled.Task.WaitAsync(TimeSpan.FromSeconds(2));
        await run.Within("the connection's end");
    }

    /// <summary>A WebSocket whose sends never complete (a full send buffer) and whose receives wait for the token.</summary>
    private sealed class StuckWebSocket : OpenIdleWebSocket
    {
        public TaskCompletionSource SendStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SendCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            SendStarted.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    SendCancelled.TrySetResult();
                }
            }
        }
    }
}
