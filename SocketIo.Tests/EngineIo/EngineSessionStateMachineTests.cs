using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// The session state machine (<see cref="EngineIoSocket"/>) against a scripted transport and a FakeTimeProvider:
/// buffering, close, heartbeat, upgrade and the rule that handler callbacks run outside the session lock.
/// </summary>
[TestFixture]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class EngineSessionStateMachineTests
{
    private const string Sid = "AAAAAAAAAAAAAAAAAAA1";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25000);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(20000);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    /// <summary>How long a handler hook waits for another thread that needs the session lock.</summary>
    private static readonly TimeSpan LockProbeTimeout = TimeSpan.FromSeconds(5);

    private FakeTimeProvider _time = null!;
    private RecordingEngineHandler _handler = null!;
    private EngineIoServer _server = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _handler = new RecordingEngineHandler();
        _server = new EngineIoServer(new EngineIoOptions { TimeProvider = _time }, _handler);
    }

    private EngineIoSocket Register(FakeEngineTransport transport) => _server.Accept(Sid, transport, EngineIoRequests.Polling());

    [Test]
    public void OpenPacket_IsSentFirst_WithTheUpgradesOfTheTransport()
    {
        var polling = new FakeEngineTransport(EngineIoOptions.Polling);
        var socket = Register(polling);

        Assert.That(polling.Sent, Is.EqualTo(new[] { $$"""0{"sid":"{{Sid}}","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}""" }));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
        Assert.That(_server.ClientsCount, Is.EqualTo(1));
        Assert.That(_server.TryGetClient(Sid, out var found) && found == socket, Is.True);

        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket);
        _server.Accept("AAAAAAAAAAAAAAAAAAA2", ws, EngineIoRequests.Polling());
        Assert.That(ws.Sent.Single(), Does.Contain("\"upgrades\":[],"));
    }

    [Test]
    public void WhenOpenSent_WaitsForTheOpenPacketsBatch_ThenRunsAtOnce()
    {
        // What a socket.io 2.x session's implicit CONNECT waits for: it must not join the handshake poll's response.
        var transport = new FakeEngineTransport(writable: false, oneShot: true);
        var socket = Register(transport);
        var batchesWhenRun = new List<int>();
        socket.WhenOpenSent(() => batchesWhenRun.Add(transport.Batches.Count));
        Assert.That(batchesWhenRun, Is.Empty, "the open packet is still buffered");

        transport.BecomeReady();
        Assert.That(batchesWhenRun, Is.EqualTo((int[])[1]), "run once, right after the open packet's batch was taken");
        Assert.That(transport.Batches.Single().Single().Type, Is.EqualTo(EnginePacketType.Open));

        socket.WhenOpenSent(() => batchesWhenRun.Add(-1));
        Assert.That(batchesWhenRun, Is.EqualTo((int[])[1, -1]), "after the open packet went out, at once");
    }

    [Test]
    public void WriteBuffer_IsHeldWhileNotWritable_AndFlushedOnReadyInOrder()
    {
        var transport = new FakeEngineTransport(writable: false, oneShot: true);
        var socket = Register(transport);

        socket.Send("a");
        socket.Send(new byte[] { 1, 2 });
        socket.SendPackets([EnginePacket.Message("b"), EnginePacket.Message("c")]);
        Assert.That(transport.Batches, Is.Empty);
        Assert.That(socket.IsWritable, Is.False);

        transport.BecomeReady();
        Assert.That(transport.Batches, Has.Count.EqualTo(1), "everything buffered goes out as one batch");
        Assert.That(transport.Sent.Skip(1), Is.EqualTo<string[]>(["4a", "bAQI=", "4b", "4c"]));
        Assert.That(transport.Sent[0], Does.StartWith("0{"));

        socket.Send("d");
        Assert.That(transport.Batches, Has.Count.EqualTo(1), "one-shot transport is not writable again until the next poll");
        transport.BecomeReady();
        Assert.That(transport.Batches[1].Select(FakeEngineTransport.Describe), Is.EqualTo<string[]>(["4d"]));
    }

    [Test]
    public void Send_WhileWritable_GoesOutAtOnce()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);

        socket.Send("now");

        Assert.That(transport.Sent[^1], Is.EqualTo("4now"));
    }

    [Test]
    public void Close_WaitsForTheBufferToDrain_ThenClosesWithForcedClose()
    {
        var transport = new FakeEngineTransport(writable: false);
        var socket = Register(transport);
        socket.Send("last");

        socket.Close();

        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closing));
        Assert.That(transport.CloseCalls, Is.Zero, "the transport stays open until the buffer is sent");
        Assert.That(_handler.Closes, Is.Empty);
        Assert.That(_server.ClientsCount, Is.EqualTo(1));
        socket.Send("ignored while closing");

        transport.BecomeReady();

        Assert.That(transport.Sent.Skip(1), Is.EqualTo<string[]>(["4last"]));
        Assert.That(transport.CloseCalls, Is.EqualTo(1));
        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
        Assert.That(_server.ClientsCount, Is.Zero);
    }

    [Test]
    public void Close_WithEmptyBuffer_ClosesTheTransportAtOnce()
    {
        var transport = new FakeEngineTransport();
        var socket = Register(transport);

        socket.Close();

        Assert.That(transport.CloseCalls, Is.EqualTo(1));
        Assert.That(transport.Discarded, Is.False);
        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(_server.ClientsCount, Is.Zero);
    }

    [Test]
    public void Close_EndsTheSessionOnlyWhenTheTransportHasClosed()
    {
        var transport = new FakeEngineTransport { CloseCompletesImmediately = false };
        var socket = Register(transport);

        socket.Close();
        Assert.That(transport.CloseCalls, Is.EqualTo(1));
        Assert.That(_handler.Closes, Is.Empty);

        transport.CompleteClose();
        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
        Assert.That(_handler.Closes, Has.Count.EqualTo(1));
    }

    [Test]
    public void CloseWithDiscard_DiscardsTheTransport()
    {
        var transport = new FakeEngineTransport(writable: false);
        var socket = Register(transport);
        socket.Send("never sent");

        socket.Close(discard: true);

        Assert.That(transport.Discarded, Is.True);
        Assert.That(transport.CloseCalls, Is.EqualTo(1));
        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
    }

    [Test]
    public void PingAfterInterval_NoPong_ClosesWithPingTimeout()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);

        _time.Advance(Interval - Tick);
        Assert.That(transport.Sent, Has.Count.EqualTo(1));
        _time.Advance(Tick);
        Assert.That(transport.Sent[^1], Is.EqualTo("2"));

        _time.Advance(Timeout - Tick);
        Assert.That(_handler.Closes, Is.Empty);
        _time.Advance(Tick);

        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
        Assert.That(transport.CloseCalls, Is.EqualTo(1), "the transport is closed too");
        Assert.That(_server.ClientsCount, Is.Zero);
    }

    [Test]
    public void PingTimeout_RunsFromWhenThePingIsQueued_EvenIfItCannotBeSent()
    {
        var transport = new FakeEngineTransport(writable: false);
        Register(transport);

        _time.Advance(Interval);
        _time.Advance(Timeout);

        Assert.That(transport.Batches, Is.Empty, "the ping never left the buffer");
        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
    }

    [Test]
    public void PingTimeout_RunsFromWhenThePingWasDue_EvenIfTheIntervalTimerFiredLate()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        Register(transport);
        var late = TimeSpan.FromMilliseconds(5);

        // One step: the clock already reads pingInterval + 5 ms when the interval callback runs.
        _time.Advance(Interval + late);
        Assert.That(transport.Sent[^1], Is.EqualTo("2"));

        _time.Advance(Timeout - late - Tick);
        Assert.That(_handler.Closes, Is.Empty, "open until pingInterval + pingTimeout");
        _time.Advance(Tick);

        // Node closes at pingInterval + pingTimeout; arming the timeout from the late callback closed 5 ms later.
        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
    }

    [Test]
    public void IntervalTimerLaterThanTheWholeTimeout_ClosesAtOnce_WithoutAPing()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        Register(transport);

        _time.Advance(Interval + Timeout);

        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
        Assert.That(transport.Sent, Has.None.EqualTo("2"));
    }

    [Test]
    public void Pong_ClearsTheTimeout_AndReArmsTheInterval()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        Register(transport);
        _time.Advance(Interval);

        _time.Advance(TimeSpan.FromSeconds(5));
        transport.ReceiveText("3");
        _time.Advance(Timeout);
        Assert.That(_handler.Closes, Is.Empty);
        Assert.That(transport.Sent.Count(p => p == "2"), Is.EqualTo(1));

        _time.Advance(Interval - Timeout);
        Assert.That(transport.Sent.Count(p => p == "2"), Is.EqualTo(2), "next ping pingInterval after the pong");
    }

    [Test]
    public void NonPongWhileAwaitingPong_ExtendsTheTimeoutOnce()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        Register(transport);
        _time.Advance(Interval);

        _time.Advance(TimeSpan.FromSeconds(10));
        transport.ReceiveText("4a");
        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.That(_handler.Closes, Is.Empty, "extended to 20 s after the message");
        transport.ReceiveText("4b");
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.PingTimeout));
    }

    [Test]
    public void NonPongWithoutAPendingPing_DoesNotStartATimeout()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        Register(transport);

        transport.ReceiveText("4a");
        _time.Advance(Timeout + Timeout);

        Assert.That(_handler.Closes, Is.Empty);
    }

    [TestCase("2", EngineIoCloseReasons.TransportError, "invalid heartbeat direction", TestName = "ClientPing_IsTransportError")]
    [TestCase("2probe", EngineIoCloseReasons.TransportError, "invalid heartbeat direction", TestName = "ClientPingProbeOutsideAnUpgrade_IsTransportError")]
    [TestCase("9", EngineIoCloseReasons.ParseError, null, TestName = "UnknownType_IsParseError")]
    [TestCase("", EngineIoCloseReasons.ParseError, null, TestName = "EmptyFrame_IsParseError")]
    public void ClientPacket_ClosesWith(string frame, string reason, string? description)
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);

        transport.ReceiveText(frame);

        Assert.That(_handler.CloseOf(Sid), Is.EqualTo(new ClosedSession(Sid, reason, description)));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
        Assert.That(_server.ClientsCount, Is.Zero);
    }

    [TestCase("0")]
    [TestCase("1")]
    [TestCase("5")]
    [TestCase("6")]
    [TestCase("3")]
    public void ClientOpenCloseUpgradeNoopAndStrayPong_AreIgnored(string frame)
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);

        transport.ReceiveText(frame);

        Assert.That(_handler.Closes, Is.Empty);
        Assert.That(_handler.Messages, Is.Empty);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public void TransportError_IsTransportErrorWithItsMessage_TransportClose_IsTransportClose()
    {
        var failing = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var closing = new FakeEngineTransport(EngineIoOptions.WebSocket);
        _server.Accept("AAAAAAAAAAAAAAAAAAA3", failing, EngineIoRequests.Polling());
        _server.Accept("AAAAAAAAAAAAAAAAAAA4", closing, EngineIoRequests.Polling());

        failing.Fail("write error");
        closing.ClientClosed();

        Assert.That(_handler.CloseOf("AAAAAAAAAAAAAAAAAAA3"), Is.EqualTo(new ClosedSession("AAAAAAAAAAAAAAAAAAA3", EngineIoCloseReasons.TransportError, "write error")));
        Assert.That(_handler.CloseOf("AAAAAAAAAAAAAAAAAAA4"), Is.EqualTo(new ClosedSession("AAAAAAAAAAAAAAAAAAA4", EngineIoCloseReasons.TransportClose, null)));
        Assert.That(_server.ClientsCount, Is.Zero);
    }

    [Test]
    public void Messages_AreDeliveredInOrder_TextAndBinary()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        Register(transport);

        transport.ReceiveText("4one");
        transport.Receive(EnginePacket.Binary(new byte[] { 7 }));
        transport.ReceiveText("4€");

        var messages = _handler.MessagesOf(Sid);
        Assert.That(messages.Select(m => m.IsBinary ? "bin:" + Convert.ToHexString(m.Data) : m.Text), Is.EqualTo<string[]>(["one", "bin:07", "€"]));
    }

    [Test]
    public void PacketsAfterClose_AreIgnored_AndTheHandlerHearsOfTheCloseOnce()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);
        socket.Close();

        transport.ReceiveText("4late");
        transport.Fail("late error");
        transport.ClientClosed();
        socket.Close();

        Assert.That(_handler.Messages, Is.Empty);
        Assert.That(_handler.Closes, Has.Count.EqualTo(1));
        Assert.That(_handler.Closes[0].Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
    }

    [Test]
    public void Handler_CanSendFromOnMessage_FromAnotherThread_WithoutDeadlock()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);
        bool? sentInTime = null;
        _handler.MessageHook = (s, _) =>
        {
            // If OnMessage ran under the session lock, a Send from another thread would block until the hook returned.
            sentInTime = Task.Run(() => s.Send("echo")).Wait(LockProbeTimeout);
            s.Send("same thread");
        };

        transport.ReceiveText("4ping");

        Assert.That(sentInTime, Is.True, "OnMessage must run outside the session lock");
        Assert.That(transport.Sent.Skip(1), Is.EqualTo<string[]>(["4echo", "4same thread"]));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [TestCase("server close", TestName = "OnClose_RunsOutsideTheSessionLock_ServerClose")]
    [TestCase("client ping", TestName = "OnClose_RunsOutsideTheSessionLock_InvalidHeartbeat")]
    [TestCase("parse error", TestName = "OnClose_RunsOutsideTheSessionLock_ParseError")]
    [TestCase("transport error", TestName = "OnClose_RunsOutsideTheSessionLock_TransportError")]
    [TestCase("ping timeout", TestName = "OnClose_RunsOutsideTheSessionLock_PingTimeout")]
    public void OnClose_RunsOutsideTheSessionLock(string trigger)
    {
        // This transport reports its close synchronously from inside Close, as polling does when a GET is pending.
        var transport = new FakeEngineTransport(EngineIoOptions.Polling);
        var socket = Register(transport);
        bool? readInTime = null;
        _handler.CloseHook = (s, _, _) =>
            // ReadyState takes the session lock: from another thread it only returns if OnClose does not hold it.
            readInTime = Task.Run(() => s.ReadyState).Wait(LockProbeTimeout);

        switch (trigger)
        {
            case "server close":
                socket.Close();
                break;
            case "client ping":
                transport.ReceiveText("2");
                break;
            case "parse error":
                transport.ReceiveText("9");
                break;
            case "transport error":
                transport.Fail("boom");
                break;
            default:
                _time.Advance(Interval);
                _time.Advance(Timeout);
                break;
        }

        Assert.That(_handler.Closes, Has.Count.EqualTo(1));
        Assert.That(readInTime, Is.True, "OnClose must run outside the session lock");
    }

    [Test]
    public void Upgrade_ProbeNoopUpgrade_SwitchesTransportAndFlushesTheBuffer()
    {
        var polling = new FakeEngineTransport(EngineIoOptions.Polling, writable: false, oneShot: true);
        var socket = Register(polling);
        polling.BecomeReady(); // the handshake GET takes the open packet
        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket);

        Assert.That(socket.TryBeginUpgrade(ws), Is.True);
        Assert.That(socket.Upgrading, Is.True);
        Assert.That(socket.TryBeginUpgrade(new FakeEngineTransport(EngineIoOptions.WebSocket)), Is.False, "one upgrade at a time");

        ws.ReceiveText("2probe");
        Assert.That(ws.Sent, Is.EqualTo<string[]>(["3probe"]));
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.Polling), "not switched before 5");
        // (Releasing the pending GET with a noop is keyed on the real PollingTransport; UpgradeTests covers it over HTTP.)

        socket.Send("buffered");
        Assert.That(polling.Sent, Has.Count.EqualTo(1), "no GET pending: the message waits");

        ws.ReceiveText("5");

        Assert.That(ws.Sent, Is.EqualTo<string[]>(["3probe", "4buffered"]));
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.WebSocket));
        Assert.That(socket.Upgraded, Is.True);
        Assert.That(socket.Upgrading, Is.False);
        Assert.That(polling.Discarded, Is.True);
        Assert.That(polling.CloseCalls, Is.EqualTo(1), "the old transport is closed");
        Assert.That(_handler.Closes, Is.Empty, "closing the old transport does not close the session");

        polling.ReceiveText("4stale");
        ws.ReceiveText("4fresh");
        Assert.That(_handler.MessagesOf(Sid).Select(m => m.Text), Is.EqualTo<string[]>(["fresh"]));
        Assert.That(socket.TryBeginUpgrade(new FakeEngineTransport(EngineIoOptions.WebSocket)), Is.False, "already upgraded");
    }

    [Test]
    public void Upgrade_TimesOut_ClosesTheNewTransport_SessionStaysOnPolling()
    {
        var polling = new FakeEngineTransport(EngineIoOptions.Polling);
        var socket = Register(polling);
        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket);
        socket.TryBeginUpgrade(ws);
        ws.ReceiveText("2probe");

        _time.Advance(TimeSpan.FromMilliseconds(10000) - Tick);
        Assert.That(ws.CloseCalls, Is.Zero);
        _time.Advance(Tick);

        Assert.That(ws.CloseCalls, Is.EqualTo(1));
        Assert.That(socket.Upgrading, Is.False);
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.Polling));
        Assert.That(_handler.Closes, Is.Empty);
        ws.ReceiveText("5");
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.Polling), "a late 5 changes nothing");
    }

    [Test]
    public void Upgrade_OtherPacketDuringProbe_AbortsIt()
    {
        var polling = new FakeEngineTransport(EngineIoOptions.Polling);
        var socket = Register(polling);
        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket);
        socket.TryBeginUpgrade(ws);
        ws.ReceiveText("2probe");

        ws.ReceiveText("4too early");

        Assert.That(ws.CloseCalls, Is.EqualTo(1));
        Assert.That(socket.Upgrading, Is.False);
        Assert.That(_handler.Messages, Is.Empty);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public void Upgrade_NewTransportClosing_AbortsIt_SessionSurvives()
    {
        var polling = new FakeEngineTransport(EngineIoOptions.Polling);
        var socket = Register(polling);
        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket);
        socket.TryBeginUpgrade(ws);

        ws.ClientClosed();

        Assert.That(socket.Upgrading, Is.False);
        Assert.That(_handler.Closes, Is.Empty);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public void SessionClosingDuringUpgrade_ClosesTheProbingTransport()
    {
        var polling = new FakeEngineTransport(EngineIoOptions.Polling);
        var socket = Register(polling);
        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket);
        socket.TryBeginUpgrade(ws);
        ws.ReceiveText("2probe");

        polling.ClientClosed();

        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.TransportClose));
        Assert.That(ws.CloseCalls, Is.EqualTo(1));
        Assert.That(socket.Upgrading, Is.False);
    }

    [Test]
    public void ASessionClosedWhileTheHandlerIsBeingToldOfIt_IsReportedClosedAfterTheConnection_WithItsState()
    {
        var handler = new ClosingStateHandler();
        var server = new EngineIoServer(new EngineIoOptions { TimeProvider = _time }, handler);

        var socket = server.Accept(Sid, new FakeEngineTransport(EngineIoOptions.Polling), EngineIoRequests.Polling());

        Assert.That(handler.Events, Is.EqualTo<string[]>(["connection", $"close of {Sid}"]), "the close waits until the state has been made");
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
        Assert.That(server.ClientsCount, Is.Zero);
    }

    [Test]
    public void ATypedHandler_GetsTheStateItMadeForEachSession_InEveryCallback()
    {
        var handler = new StateHandler();
        var server = new EngineIoServer(new EngineIoOptions { TimeProvider = _time }, handler);
        var first = new FakeEngineTransport(EngineIoOptions.Polling);
        var second = new FakeEngineTransport(EngineIoOptions.Polling);
        var a = server.Accept("AAAAAAAAAAAAAAAAAAAa", first, EngineIoRequests.Polling());
        var b = server.Accept("AAAAAAAAAAAAAAAAAAAb", second, EngineIoRequests.Polling());

        second.ReceiveText("4to b");
        first.ReceiveText("4to a");
        first.ClientClosed();

        Assert.That(handler.StateOf(a)!.Log, Is.EqualTo<string[]>(["message to a", "close transport close"]));
        Assert.That(handler.StateOf(b)!.Log, Is.EqualTo<string[]>(["message to b"]));
        Assert.That(handler.StateOf(a)!.Socket, Is.SameAs(a));
        Assert.That(new StateHandler().StateOf(a), Is.Null, "another handler made no state for this session");
    }

    [Test]
    public void AfterCloseAll_ASessionThatStillOpens_ClosesItself()
    {
        _server.CloseAll();

        var socket = Register(new FakeEngineTransport(EngineIoOptions.Polling));

        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
        Assert.That(_handler.CloseOf(Sid)?.Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(_server.ClientsCount, Is.Zero);
    }

    [Test]
    public void AHandlerWhoseOnCloseThrows_IsLogged_AndTheSessionStillLeaves()
    {
        var handler = new ClosingStateHandler { ThrowOnClose = true };
        var logs = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var server = new EngineIoServer(new EngineIoOptions { TimeProvider = _time }, handler, factory.CreateLogger<EngineIoServer>());

        Assert.That(() => server.Accept(Sid, new FakeEngineTransport(EngineIoOptions.Polling), EngineIoRequests.Polling()), Throws.Nothing);

        Assert.That(handler.Events, Is.EqualTo<string[]>(["connection", $"close of {Sid}"]));
        Assert.That(server.ClientsCount, Is.Zero);
        Assert.That(logs.Errors.Select(e => e.Exception?.Message), Has.Some.EqualTo("OnClose failed"));
    }

    /// <summary>Closes each session from inside CreateState, before its state exists, as a handler may.</summary>
    private sealed class ClosingStateHandler : EngineIoHandler<EngineIoSocket>
    {
        public List<string> Events { get; } = [];

        public bool ThrowOnClose { get; init; }

        protected override EngineIoSocket CreateState(EngineIoSocket socket)
        {
            socket.Close(discard: true);
            Events.Add("connection");
            return socket;
        }

        protected override void OnMessage(EngineIoSocket socket, EngineIoSocket state, EngineMessage message) => Events.Add("message");

        protected override void OnClose(EngineIoSocket socket, EngineIoSocket state, string reason, string? description)
        {
            Events.Add($"close of {state.Id}");
            if (ThrowOnClose)
            {
                throw new InvalidOperationException("OnClose failed");
            }
        }
    }

    private sealed class SessionLog(EngineIoSocket socket)
    {
        public EngineIoSocket Socket { get; } = socket;

        public List<string> Log { get; } = [];
    }

    private sealed class StateHandler : EngineIoHandler<SessionLog>
    {
        protected override SessionLog CreateState(EngineIoSocket socket) => new(socket);

        protected override void OnMessage(EngineIoSocket socket, SessionLog state, EngineMessage message) =>
            state.Log.Add("message " + System.Text.Encoding.UTF8.GetString(message.Data.Span));

        protected override void OnClose(EngineIoSocket socket, SessionLog state, string reason, string? description) =>
            state.Log.Add($"close {reason}{(socket == state.Socket ? string.Empty : " of another session")}");
    }
}
