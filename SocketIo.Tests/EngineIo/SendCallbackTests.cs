using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// <see cref="EngineIoSocket.Send(string, bool, Action{EngineIoTransportInfo})"/>'s callback (engine.io test/server.js
/// "send" / "callback"): it runs once the transport has written the packet, with that transport, once; never for a
/// packet the session dropped.
/// </summary>
[TestFixture]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class SendCallbackTests
{
    private const string Sid = "AAAAAAAAAAAAAAAAAAA1";

    /// <summary>How long a callback waits for another thread that needs the session lock.</summary>
    private static readonly TimeSpan LockProbeTimeout = TimeSpan.FromSeconds(5);

    private RecordingEngineHandler _handler = null!;
    private EngineIoServer _server = null!;

    [SetUp]
    public void SetUp()
    {
        _handler = new RecordingEngineHandler();
        _server = new EngineIoServer(new EngineIoOptions { TimeProvider = new FakeTimeProvider() }, _handler);
    }

    private EngineIoSocket Register(FakeEngineTransport transport) => _server.Accept(Sid, transport, EngineIoRequests.Polling());

    [Test]
    public void TheCallback_RunsOnceTheBatchIsWritten_NotWhenQueuedNorWhenTaken_WithTheTransport()
    {
        var transport = new FakeEngineTransport(writable: false, oneShot: true);
        var socket = Register(transport);
        transport.BecomeReady(); // the handshake GET takes the open packet
        var calls = new List<string>();

        socket.Send("a", callback: t => calls.Add("a:" + t.Name));
        socket.Write("b", callback: t => calls.Add("b:" + t.Name));
        socket.Send(new byte[] { 1 }, compress: false, callback: t => calls.Add("c:" + t.Name));
        Assert.That(calls, Is.Empty, "queued: no GET is pending");

        transport.BecomeReady();
        Assert.That(transport.Sent.Skip(1), Is.EqualTo<string[]>(["4a", "4b", "bAQ=="]), "one flush carries all three");
        Assert.That(calls, Is.Empty, "taken, not yet written");

        transport.CompleteWrites();
        Assert.That(calls, Is.EqualTo<string[]>(["a:polling", "b:polling", "c:polling"]));

        transport.CompleteWrites();
        Assert.That(calls, Has.Count.EqualTo(3), "once");
    }

    [Test]
    public void EachFlushsCallbacks_WaitForTheWriteOfThatFlush()
    {
        // A WebSocket-like transport takes every send as its own batch.
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);
        var calls = new List<string>();

        socket.Send("first", callback: _ => calls.Add("first"));
        socket.Send("second", callback: _ => calls.Add("second"));
        Assert.That(transport.PendingWrites, Is.EqualTo(2));

        Assert.That(transport.CompleteOldestWrite(), Is.True);
        Assert.That(calls, Is.EqualTo<string[]>(["first"]));
        Assert.That(transport.CompleteOldestWrite(), Is.True);
        Assert.That(calls, Is.EqualTo<string[]>(["first", "second"]));
    }

    [Test]
    public void ASendWithoutACallback_AsksTheTransportForNoWriteReport()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);

        socket.Send("plain");
        socket.Send(new byte[] { 1, 2 });

        Assert.That(transport.Sent.Skip(1), Is.EqualTo<string[]>(["4plain", "bAQI="]));
        Assert.That(transport.PendingWrites, Is.Zero, "nothing to report: the transport is handed no callback");
    }

    [Test]
    public void TheCallback_IsDropped_WhenTheSessionClosesBeforeTheWrite()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);
        var called = false;
        socket.Send("lost", callback: _ => called = true);

        transport.ClientClosed();
        transport.CompleteWrites();

        Assert.That(_handler.Closes.Single().Reason, Is.EqualTo(EngineIoCloseReasons.TransportClose));
        Assert.That(called, Is.False, "Node clears sentCallbackFn on close");
    }

    [Test]
    public void TheCallback_OfAMessageStillBuffered_IsDroppedWithIt_AndOneSentToAClosingSession_NeverRuns()
    {
        var transport = new FakeEngineTransport(writable: false, oneShot: true) { CloseCompletesImmediately = false };
        var socket = Register(transport);
        transport.BecomeReady();
        var calls = new List<string>();
        socket.Send("buffered", callback: _ => calls.Add("buffered"));

        socket.Close(); // closing: "buffered" goes out first
        socket.Send("late", callback: _ => calls.Add("late"));
        socket.Close(discard: true); // and now the session is told to drop it all

        transport.CompleteClose();
        transport.BecomeReady();
        transport.CompleteWrites();
        Assert.That(calls, Is.Empty);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
    }

    [Test]
    public void ASendThenClose_OverPolling_RunsTheCallback_BeforeTheClose()
    {
        // Polling: the close waits for the next GET, so the batch that carries the last message is written first.
        var transport = new FakeEngineTransport(writable: false, oneShot: true) { CloseCompletesImmediately = false };
        var socket = Register(transport);
        transport.BecomeReady();
        var order = new List<string>();
        socket.OnClose((reason, _) => order.Add("close:" + reason));
        socket.Send("bye", callback: _ => order.Add("written"));
        socket.Close();

        transport.BecomeReady();
        Assert.That(transport.Sent[^1], Is.EqualTo("4bye"));
        transport.CompleteWrites();
        transport.CompleteClose();

        Assert.That(order, Is.EqualTo<string[]>(["written", "close:" + EngineIoCloseReasons.ForcedClose]));
    }

    [Test]
    public void ACallbackWrittenInline_RunsOutsideTheSessionLock_AfterTheFlushAndDrainEvents()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket) { WritesInline = true };
        var socket = Register(transport);
        var order = new List<string>();
        socket.OnFlush(p => order.Add("flush:" + p.Count)).OnDrain(() => order.Add("drain"));
        bool? readInTime = null;

        socket.Send("a", callback: t =>
        {
            // ReadyState takes the session lock: from another thread it only returns if the callback does not hold it.
            readInTime = Task.Run(() => socket.ReadyState).Wait(LockProbeTimeout);
            order.Add("written:" + t.Name);
        });

        Assert.That(readInTime, Is.True, "the callback must run outside the session lock");
        Assert.That(order, Is.EqualTo<string[]>(["flush:1", "drain", "written:websocket"]));
    }

    [Test]
    public void ACallbackThatThrows_IsLogged_TheNextOnesRun_AndTheSessionGoesOn()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket) { WritesInline = true };
        var socket = Register(transport);
        var ran = false;
        socket.Write("x", callback: _ => throw new InvalidOperationException("callback bug"));
        socket.Write("y", callback: _ => ran = true);

        Assert.That(ran, Is.True);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public async Task OverPolling_TheCallbackRuns_WhenTheResponseThatCarriesTheMessageHasBeenWritten()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (_, socket) = await host.ConnectPollingAsync();
        var written = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        socket.Send("out", callback: t => written.TrySetResult(t.Name));
        Assert.That(written.Task.IsCompleted, Is.False, "no GET is pending: the message waits");

        Assert.That(await host.PollAsync(socket.Id), Is.EqualTo("4out"));
        Assert.That(await written.Task.WithTimeout("the send callback"), Is.EqualTo(EngineIoOptions.Polling));
    }

    [Test]
    public async Task OverWebSocket_TheCallbackRuns_WhenTheFrameHasBeenSent()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var (client, _, socket) = await host.ConnectDirectWebSocketAsync();
        var written = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        socket.Send(new byte[] { 7 }, callback: t => written.TrySetResult(t.Name));

        var frame = await client.ReceiveAsync();
        Assert.That(frame.Data, Is.EqualTo(new byte[] { 7 }));
        Assert.That(await written.Task.WithTimeout("the send callback"), Is.EqualTo(EngineIoOptions.WebSocket));
    }
}
