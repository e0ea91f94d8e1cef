using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// The adapter port (<see cref="IAdapterNamespace"/>) as an adapter author sees it: ids in, encoded packets out,
/// reports of who was not reached, ack answers as a stream with a deadline.
/// </summary>
[TestFixture]
public sealed class AdapterPortTests
{
    private static SocketIoPacket Event(string name, params object[] args) =>
        new(SocketIoPacketType.Event, "/", new JArray(args.Prepend(name)));

    private static IAdapterNamespace Port(SioFakeServer server) => server.Io.Sockets.Adapter.Namespace;

    [Test]
    public async Task Send_QueuesTheSameFramesOnEverySocket_AndReportsTheFullAndTheGone()
    {
        await using var server = new SioFakeServer();
        var (a, socketA) = server.Connect();
        var (busy, busySocket) = server.Connect();
        busy.SetWritable(false);

        var report = Port(server).Send(
            [socketA.Id, busySocket.Id, "never-connected"],
            OutgoingPacket.Create(Event("news", 1), BroadcastFlags.None with { Volatile = true }));

        Assert.That(report.Delivered, Is.EqualTo(1));
        Assert.That(report.Full, Is.EqualTo(new[] { busySocket.Id }));
        Assert.That(report.Gone, Is.EqualTo<string[]>(["never-connected"]));
        Assert.That(SioFakeServer.Sent(a).Select(p => p.ToString()), Is.EqualTo<string[]>(["""42["news",1]"""]));
    }

    [Test]
    public async Task Send_ReportsASocketThatDisconnected_AsGone()
    {
        await using var server = new SioFakeServer();
        var (_, socket) = server.Connect();
        var id = socket.Id;
        await socket.DisconnectAsync();

        var report = Port(server).Send([id], OutgoingPacket.Create(Event("late"), BroadcastFlags.None));

        Assert.That((report.Delivered, report.Gone), Is.EqualTo((0, (IReadOnlyList<string>)new[] { id })).Using<(int, IReadOnlyList<string>)>((x, y) => x.Item1 == y.Item1 && x.Item2.SequenceEqual(y.Item2)));
    }

    [Test]
    public async Task AnOffset_IsSentAsTheLastArgument_AsARecoveringClientReadsIt()
    {
        await using var server = new SioFakeServer();
        var (transport, socket) = server.Connect();

        var packet = OutgoingPacket.Create(Event("news", 1), BroadcastFlags.None, offset: "1700000000000-0");
        Port(server).Send([socket.Id], packet);

        Assert.That(packet.Offset, Is.EqualTo("1700000000000-0"));
        Assert.That(SioFakeServer.Sent(transport).Select(p => p.ToString()), Is.EqualTo<string[]>(["""42["news",1,"1700000000000-0"]"""]));
    }

    [Test]
    public async Task SendWithAck_StreamsEachAnswer_AndEndsWhenAllHaveAnswered()
    {
        await using var server = new SioFakeServer();
        var (a, socketA) = server.Connect();
        var (b, socketB) = server.Connect();

        var answers = Port(server).SendWithAck([socketA.Id, socketB.Id, "gone"], Event("question"), BroadcastFlags.None, TimeSpan.FromSeconds(5));
        Assert.That(answers.Count, Is.EqualTo(2));
        Assert.That(answers.Report.Gone, Is.EqualTo<string[]>(["gone"]));
        var id = SioFakeServer.Sent(a).Single().ToString()[2..^"[\"question\"]".Length];
        Assert.That(SioFakeServer.Sent(b).Single().ToString(), Is.EqualTo($"42{id}[\"question\"]"), "one ack id, one encoding, for every socket");

        b.ReceiveText($"43{id}[\"from b\"]");
        a.ReceiveText($"43{id}[\"from a\",\"ignored\"]");

        var all = await ReadAllAsync(answers);
        Assert.That(all, Is.EqualTo(new[]
        {
            new AckResponse(socketB.Id, AckStatus.Answered, "from b"),
            new AckResponse(socketA.Id, AckStatus.Answered, "from a"),
        }).Using<AckResponse>((x, y) => x.SocketId == y.SocketId && x.Status == y.Status && JToken.DeepEquals(x.Value, y.Value)));
    }

    [Test]
    public async Task SendWithAck_AtTheDeadline_ReportsTheSilentAsTimedOut_AndForgetsTheirEntries()
    {
        await using var server = new SioFakeServer();
        var (a, socketA) = server.Connect();
        var (b, socketB) = server.Connect();
        var answers = Port(server).SendWithAck([socketA.Id, socketB.Id], Event("question"), BroadcastFlags.None, TimeSpan.FromSeconds(5));
        var id = SioFakeServer.Sent(a).Single().ToString()[2..^"[\"question\"]".Length];
        a.ReceiveText($"43{id}[1]");
        var reading = ReadAllAsync(answers);

        server.Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.That(reading.IsCompleted, Is.False);
        server.Time.Advance(TimeSpan.FromTicks(1));
        var all = await reading.Within("the end of the stream at the deadline");

        Assert.That(all.Select(r => (r.SocketId, r.Status)), Is.EqualTo(new[] { (socketA.Id, AckStatus.Answered), (socketB.Id, AckStatus.TimedOut) }));
        // A late answer finds no entry: it is dropped like any ack with an unknown id, and the socket stays connected.
        b.ReceiveText($"43{id}[2]");
        Assert.That(socketB.Connected, Is.True);
    }

    [Test]
    public async Task SendWithAck_ASocketThatLeaves_IsReportedAsDisconnected()
    {
        await using var server = new SioFakeServer();
        var (_, socket) = server.Connect();
        var answers = Port(server).SendWithAck([socket.Id], Event("question"), BroadcastFlags.None, timeout: null);

        await socket.DisconnectAsync();

        var all = await ReadAllAsync(answers).Within("the stream after the disconnect");
        Assert.That(all.Select(r => (r.SocketId, r.Status)), Is.EqualTo(new[] { (socket.Id, AckStatus.Disconnected) }));
    }

    [Test]
    public async Task SendWithAck_ToNobodyReached_EndsAtOnce()
    {
        await using var server = new SioFakeServer();
        var (busy, socket) = server.Connect();
        busy.SetWritable(false);

        var answers = Port(server).SendWithAck([socket.Id, "gone"], Event("question"), BroadcastFlags.None with { Volatile = true }, TimeSpan.FromSeconds(5));

        Assert.That((answers.Count, answers.Report.Full.Count, answers.Report.Gone.Count), Is.EqualTo((0, 1, 1)));
        Assert.That(await ReadAllAsync(answers).Within("an empty stream"), Is.Empty);
    }

    [Test]
    public async Task JoinLeaveDisconnectAndDetails_ActOnConnectedIdsOnly()
    {
        await using var server = new SioFakeServer();
        var (_, a) = server.Connect();
        var (_, b) = server.Connect();
        var port = Port(server);

        Assert.That(await port.JoinAsync([a.Id, "unknown"], ["r1", "r2"]), Is.EqualTo(1));
        Assert.That(a.Rooms, Does.Contain("r1").And.Contain("r2"));
        Assert.That(await port.LeaveAsync([a.Id], ["r2"]), Is.EqualTo(1));
        Assert.That(a.Rooms, Does.Not.Contain("r2"));
        Assert.That(port.GetDetails(["unknown", b.Id, a.Id]).Select(d => d.Id), Is.EqualTo(new[] { b.Id, a.Id }));
        Assert.That(port.IsConnected(a.Id) && !port.IsConnected("unknown"), Is.True);

        Assert.That(await port.DisconnectAsync([b.Id, "unknown"], close: false), Is.EqualTo(1));
        Assert.That((a.Connected, b.Connected), Is.EqualTo((true, false)));
    }

    [Test]
    public void ThePortOfANamespace_IsNotTheNamespace()
    {
        var server = new SocketIoServer(new SocketIoOptions());
        var nsp = server.Of("/chat");

        // Nothing of the port's per-socket operations is reachable by casting the public namespace object.
        Assert.That(nsp, Is.Not.InstanceOf<IAdapterNamespace>());
        Assert.That(nsp.Adapter.Namespace.Name, Is.EqualTo("/chat"));
    }

    private static async Task<List<AckResponse>> ReadAllAsync(AckResponses answers)
    {
        var all = new List<AckResponse>();
        await foreach (var answer in answers)
        {
            all.Add(answer);
        }

        return all;
    }
}
