using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Server.EngineIo.Transports;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// A WebSocket engine with an idle wait of its own (<see cref="IEngineIoIdleWaitWebSocket"/>): the transport waits
/// there with no receive pending, receives once input is there, and aborts the engine where a cancelled receive
/// would have (the wait takes no token).
/// </summary>
[TestFixture]
public sealed class WebSocketTransportIdleWaitTests
{
    [Test]
    public async Task AnIdleSession_WaitsOnTheEngine_WithNoReceivePending_AndReceivesWhatArrives()
    {
        var socket = new IdleWaitWebSocket();
        var transport = new WebSocketTransport(socket, new EngineIoOptions());
        _ = transport.RunAsync(CancellationToken.None);

        var first = await socket.NextWait().Within("the first idle wait");
        Assert.That(socket.Receives, Is.Zero, "nothing received before input is there");

        socket.Frames.Enqueue("4hi"u8.ToArray());
        first.TrySetResult();

        await socket.NextWait().Within("the idle wait after the message");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(socket.Receives, Is.EqualTo(2), "the header peek and the payload");
            Assert.That(socket.CancellableReceives, Is.Zero, "no token registration left on the connection");
        }
    }

    [Test]
    public async Task APeerThatWentAway_EndsTheSession_WithNoReceive()
    {
        var socket = new IdleWaitWebSocket();
        var transport = new WebSocketTransport(socket, new EngineIoOptions());
        var run = transport.RunAsync(CancellationToken.None);
        var wait = await socket.NextWait().Within("the idle wait");

        socket.Ended = true;
        wait.TrySetResult();

        await run.Within("the connection's end");
        Assert.That(socket.Receives, Is.Zero, "the end was found by the engine's idle check, not by a failed receive");
    }

    [Test]
    public async Task ACloseThePeerDoesNotAnswer_AbortsTheWaitingEngine_AfterTheGrace()
    {
        var time = new FakeTimeProvider();
        var socket = new IdleWaitWebSocket();
        var transport = new WebSocketTransport(socket, new EngineIoOptions { TimeProvider = time });
        var run = transport.RunAsync(CancellationToken.None);
        await socket.NextWait().Within("the idle wait");

        transport.Close();
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.That(socket.Aborted, Is.False, "still within the grace");
        time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.That(socket.Aborted, Is.True, "the wait holds no token: the transport aborts the engine itself");
        await run.Within("the connection's end");
    }

    [Test]
    public async Task AWriteError_AbortsTheWaitingEngine()
    {
        var socket = new IdleWaitWebSocket { FailSends = true };
        var transport = new WebSocketTransport(socket, new EngineIoOptions());
        var run = transport.RunAsync(CancellationToken.None);
        await socket.NextWait().Within("the idle wait");

        Assert.That(transport.TrySend([EnginePacket.Message("x")]), Is.True);

        await run.Within("the connection's end");
        Assert.That(socket.Aborted, Is.True);
    }

    [Test]
    public async Task TheRequestAborted_AbortsTheWaitingEngine()
    {
        using var aborted = new CancellationTokenSource();
        var socket = new IdleWaitWebSocket();
        var transport = new WebSocketTransport(socket, new EngineIoOptions());
        var run = transport.RunAsync(aborted.Token);
        await socket.NextWait().Within("the idle wait");

        await aborted.CancelAsync();

        await run.Within("the connection's end");
        Assert.That(socket.Aborted, Is.True);
    }

    /// <summary>
    /// Waits until the test completes the wait; then hands out the queued frames whole, one peek and one read each.
    /// Abort fails the pending wait, as a closed socket fails the loop's readiness.
    /// </summary>
    private sealed class IdleWaitWebSocket : OpenIdleWebSocket, IEngineIoIdleWaitWebSocket
    {
        private readonly Lock _gate = new();
        private readonly System.Threading.Channels.Channel<TaskCompletionSource> _started = System.Threading.Channels.Channel.CreateUnbounded<TaskCompletionSource>();
        private TaskCompletionSource? _pending;
        private byte[]? _peeked;
        private volatile bool _aborted;

        public Queue<byte[]> Frames { get; } = new();

        public bool FailSends { get; init; }

        /// <summary>What the next <see cref="EndedWithoutClose"/> says.</summary>
        public bool Ended { get; set; }

        public int Receives { get; private set; }

        public int CancellableReceives { get; private set; }

        public bool Aborted => _aborted;

        /// <summary>The next wait the transport starts, in order; the test completes it.</summary>
        public Task<TaskCompletionSource> NextWait() => _started.Reader.ReadAsync().AsTask();

        public ValueTask WaitToReceiveAsync()
        {
            var wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_aborted)
                {
                    return ValueTask.FromException(new ObjectDisposedException("socket"));
                }

                _pending = wait;
            }

            _started.Writer.TryWrite(wait);
            return new ValueTask(wait.Task);
        }

        public bool EndedWithoutClose() => Ended;

        public override ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            Receives++;
            if (cancellationToken.CanBeCanceled)
            {
                CancellableReceives++;
            }

            if (_aborted)
            {
                throw new WebSocketException(WebSocketError.InvalidState, "aborted");
            }

            if (_peeked is null)
            {
                _peeked = Frames.Dequeue();
                return ValueTask.FromResult(new ValueWebSocketReceiveResult(0, WebSocketMessageType.Text, false));
            }

            _peeked.CopyTo(buffer);
            var count = _peeked.Length;
            _peeked = null;
            return ValueTask.FromResult(new ValueWebSocketReceiveResult(count, WebSocketMessageType.Text, true));
        }

        public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken) =>
            FailSends ? ValueTask.FromException(new WebSocketException(WebSocketError.ConnectionClosedPrematurely)) : ValueTask.CompletedTask;

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
            SendAsync(buffer.AsMemory(), messageType, endOfMessage ? WebSocketMessageFlags.EndOfMessage : WebSocketMessageFlags.None, cancellationToken).AsTask();

        public override void Abort()
        {
            TaskCompletionSource? pending;
            lock (_gate)
            {
                _aborted = true;
                pending = _pending;
            }

            pending?.TrySetException(new ObjectDisposedException("socket"));
        }
    }
}
