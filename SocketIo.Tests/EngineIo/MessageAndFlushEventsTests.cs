using System.Reflection;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// A session's <c>message</c> / <c>data</c> and <c>flush</c> events and the server's <c>flush</c> and <c>drain</c>
/// (engine.io socket.ts <c>onPacket</c> and <c>flush</c>), against a scripted transport; and that a session nobody
/// listens to records nothing.
/// </summary>
[TestFixture]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class MessageAndFlushEventsTests
{
    private const string Sid = "AAAAAAAAAAAAAAAAAAA1";

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

    private EngineIoSocket Register(FakeEngineTransport transport, string sid = Sid) => _server.Accept(sid, transport, EngineIoRequests.Polling());

    private static string Describe(EngineMessage m) => m.IsBinary ? "bin:" + Convert.ToHexString(m.Data.Span) : "text:" + m.Text;

    private static string Describe(IReadOnlyList<EngineIoPacketInfo> packets) =>
        string.Join("|", packets.Select(p => p.Type + (p.IsBinary ? ":bin" + p.Data.Length : p.Type == "open" ? "" : ":" + p.Text)));

    [Test]
    public void Messages_TextAndBinary_ReachDataThenMessageListeners_AfterTheHandler()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);
        var order = new List<string>();
        _handler.MessageHook = (_, m) => order.Add("handler:" + Describe(m));
        socket.OnMessage(m => order.Add("message:" + Describe(m)))
            .OnData(m => order.Add("data:" + Describe(m)))
            .OnMessage(m => order.Add("message2:" + Describe(m)));

        transport.ReceiveText("4hello");
        transport.Receive(EnginePacket.Binary(new byte[] { 1, 2, 3 }));

        Assert.That(order, Is.EqualTo<string[]>([
            "handler:text:hello", "data:text:hello", "message:text:hello", "message2:text:hello",
            "handler:bin:010203", "data:bin:010203", "message:bin:010203", "message2:bin:010203",
        ]));
    }

    [Test]
    public void OtherPackets_AreNoMessages_AndAClosedSessionTellsNone()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);
        var messages = new List<string>();
        socket.OnMessage(m => messages.Add(m.Text!));

        transport.ReceiveText("6"); // noop
        transport.ReceiveText("3"); // an unasked pong
        transport.ClientClosed();
        transport.ReceiveText("4late");

        Assert.That(messages, Is.Empty);
    }

    [Test]
    public void AFlush_IsToldWithItsPacketsInOrder_BeforeItsDrain_OnlyWhenTheTransportTakesThem()
    {
        var transport = new FakeEngineTransport(writable: false, oneShot: true);
        var socket = Register(transport); // the open packet waits for a GET
        var order = new List<string>();
        socket.OnFlush(p => order.Add("flush:" + Describe(p))).OnDrain(() => order.Add("drain"));

        transport.BecomeReady();
        socket.Send("a");
        socket.Send(new byte[] { 9, 9 });
        Assert.That(order, Is.EqualTo<string[]>(["flush:open", "drain"]), "not writable: no flush for a and the bytes yet");

        transport.BecomeReady();
        Assert.That(order, Is.EqualTo<string[]>(["flush:open", "drain", "flush:message:a|message:bin2", "drain"]));

        _time.Advance(TimeSpan.FromMilliseconds(25000));
        transport.BecomeReady();
        Assert.That(order.Skip(4), Is.EqualTo<string[]>(["flush:ping:", "drain"]), "a ping is flushed as messages are");
    }

    [Test]
    public void TheServersFlushAndDrain_HearEverySession_AfterItsOwnListeners()
    {
        var order = new List<string>();
        _server.OnFlush((s, p) => order.Add($"server-flush:{s.Id[^1]}:{Describe(p)}"))
            .OnDrain(s => order.Add($"server-drain:{s.Id[^1]}"));

        // A session with no listener of its own: the handshake's flush is heard by the server alone.
        var first = new FakeEngineTransport(EngineIoOptions.WebSocket);
        Register(first, "AAAAAAAAAAAAAAAAAAA1");
        Assert.That(order, Is.EqualTo<string[]>(["server-flush:1:open", "server-drain:1"]));

        var second = Register(new FakeEngineTransport(EngineIoOptions.WebSocket), "AAAAAAAAAAAAAAAAAAA2");
        second.OnFlush(p => order.Add("own-flush:" + Describe(p))).OnDrain(() => order.Add("own-drain"));
        order.Clear();
        second.Send("x");

        Assert.That(order, Is.EqualTo<string[]>(["own-flush:message:x", "server-flush:2:message:x", "own-drain", "server-drain:2"]));
    }

    [Test]
    public void AServerListenerThatThrows_DoesNotStopTheOthers_NorTheSession()
    {
        var heard = new List<string>();
        _server.OnFlush((_, _) => throw new InvalidOperationException("listener bug"))
            .OnFlush((s, _) => heard.Add(s.Id))
            .OnDrain(_ => throw new InvalidOperationException("listener bug"));
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);

        socket.Send("still");

        Assert.That(heard, Is.EqualTo<string[]>([Sid, Sid]));
        Assert.That(transport.Sent[^1], Is.EqualTo("4still"));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public void ASessionNobodyListensTo_RecordsNothing_OnTheMessagePath()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);

        transport.ReceiveText("4in");
        socket.Send("out");
        _time.Advance(TimeSpan.FromMilliseconds(25000));
        transport.ReceiveText("3");

        Assert.That(_handler.MessagesOf(Sid).Single().Text, Is.EqualTo("in"));
        Assert.That(EventsOf(socket), Is.Null, "no event list is made: every record is a null check");
    }

    [Test]
    public void ASessionListeningToOtherEvents_QueuesNoMessageFlushOrDrainEvent()
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var socket = Register(transport);
        socket.OnClose((_, _) => { });

        transport.ReceiveText("4in");
        socket.Send("out");

        var events = EventsOf(socket)!;
        var pending = (System.Collections.ICollection)events.GetType().GetField("Pending")!.GetValue(events)!;
        Assert.That(pending, Is.Empty);
    }

    [Test]
    public void ReceivingAMessage_WithNoListener_AllocatesNothing()
    {
        var server = new EngineIoServer(new EngineIoOptions { TimeProvider = _time }, new NoopHandler());
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        server.Accept(Sid, transport, EngineIoRequests.Polling());
        var packet = EnginePacket.Message("hello");
        transport.Receive(packet); // first use: JIT and lazy state out of the way

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            transport.Receive(packet);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero, "the message, packet and flush events cost nothing unasked");
    }

    private sealed class NoopHandler : EngineIoHandler
    {
        public override void OnConnection(EngineIoSocket socket)
        {
        }

        public override void OnMessage(EngineIoSocket socket, EngineMessage message)
        {
        }

        public override void OnClose(EngineIoSocket socket, string reason, string? description)
        {
        }
    }

    /// <summary>The session's event list (private): null until something listens.</summary>
    private static object? EventsOf(EngineIoSocket socket) =>
        typeof(EngineIoSocket).GetField("_events", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(socket);
}
