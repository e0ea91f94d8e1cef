using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// fetchSockets, socketsJoin, socketsLeave, disconnectSockets and the remote socket (socket.io
/// test/utility-methods.ts), on one server. The cluster behaviour is in the adapter specification.
/// </summary>
[TestFixture]
public sealed class UtilityMethodsTests
{
    private sealed record Client(SioRawClient Raw, SocketIoSocket Socket);

    private static async Task<(SioTestHost Host, Client[] Clients)> StartAsync(int count)
    {
        var host = await SioTestHost.StartAsync();
        var clients = new Client[count];
        for (var i = 0; i < count; i++)
        {
            var raw = await host.OpenAsync();
            clients[i] = new Client(raw, host.Socket(await raw.ConnectNamespaceAsync()));
        }

        return (host, clients);
    }

    [Test]
    public async Task FetchSockets_ReturnsEverySocket_WithIdHandshakeRoomsAndData()
    {
        var (host, clients) = await StartAsync(2);
        await using var owner = host;
        await clients[0].Socket.JoinAsync("r");
        clients[0].Socket.Data = new JObject { ["user"] = "ann" };

        var sockets = await host.Io.FetchSocketsAsync();

        Assert.That(sockets.Select(s => s.Id), Is.EquivalentTo(clients.Select(c => c.Socket.Id)));
        var first = sockets.Single(s => s.Id == clients[0].Socket.Id);
        Assert.That(first.Rooms, Is.EquivalentTo(new[] { clients[0].Socket.Id, "r" }));
        Assert.That((string?)first.Data!["user"], Is.EqualTo("ann"));
        Assert.That(first.Handshake.Url, Is.EqualTo(clients[0].Socket.Handshake.Url));
        Assert.That(first.Handshake.Headers["host"], Is.EqualTo(host.Url.Authority));
    }

    [Test]
    public async Task AllSockets_GivesTheLocalIds_OfEveryoneOrOfTheTargetedRooms()
    {
        var (host, clients) = await StartAsync(3);
        await using var owner = host;
        await clients[0].Socket.JoinAsync("r");
        await clients[1].Socket.JoinAsync("r", "s");

        Assert.That(await host.Io.AllSocketsAsync(), Is.EquivalentTo(clients.Select(c => c.Socket.Id)));
        Assert.That(await host.Io.In("r").AllSocketsAsync(), Is.EquivalentTo(new[] { clients[0].Socket.Id, clients[1].Socket.Id }));
        Assert.That(await host.Io.To("s").AllSocketsAsync(), Is.EquivalentTo(new[] { clients[1].Socket.Id }));
        Assert.That(await host.Io.Of("/other").AllSocketsAsync(), Is.Empty);
    }

    [Test]
    public async Task FetchSockets_FollowsInAndExcept()
    {
        var (host, clients) = await StartAsync(3);
        await using var owner = host;
        await clients[0].Socket.JoinAsync("r", "x");
        await clients[1].Socket.JoinAsync("r");

        var inRoom = await host.Io.In("r").FetchSocketsAsync();
        var inRoomButX = await host.Io.In("r").Except("x").FetchSocketsAsync();
        var notInRoom = await host.Io.Except("r").FetchSocketsAsync();

        Assert.That(inRoom.Select(s => s.Id), Is.EquivalentTo(new[] { clients[0].Socket.Id, clients[1].Socket.Id }));
        Assert.That(inRoomButX.Select(s => s.Id), Is.EqualTo(new[] { clients[1].Socket.Id }));
        Assert.That(notInRoom.Select(s => s.Id), Is.EqualTo(new[] { clients[2].Socket.Id }));
    }

    [Test]
    public async Task FetchSockets_OfANamespace_ReturnsItsSocketsOnly()
    {
        var (host, clients) = await StartAsync(2);
        await using var owner = host;
        host.Io.Of("/a");
        var a = await clients[1].Raw.ConnectNamespaceAsync("/a");

        Assert.That((await host.Io.Of("/a").FetchSocketsAsync()).Select(s => s.Id), Is.EqualTo(new[] { a }));
    }

    [Test]
    public async Task ARemoteSocket_EmitsJoinsLeavesAndDisconnects_ThroughTheAdapter()
    {
        var (host, clients) = await StartAsync(2);
        await using var owner = host;
        var remote = (await host.Io.FetchSocketsAsync()).Single(s => s.Id == clients[0].Socket.Id);

        await remote.EmitAsync("to you", 1);
        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("""2["to you",1]"""));

        await remote.JoinAsync("joined", "other");
        Assert.That(clients[0].Socket.Rooms, Is.SupersetOf(new List<string> { "joined", "other" }));
        await remote.LeaveAsync("other");
        Assert.That(clients[0].Socket.Rooms, Does.Not.Contain("other"));

        var answer = remote.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("question");
        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("""20["question"]"""));
        await clients[0].Raw.SendAsync("""30["yes"]""");
        // One value, as Node's expectSingleResponse gives, not a list of one.
        Assert.That((string?)await answer.Within("the remote socket's ack"), Is.EqualTo("yes"));

        await remote.DisconnectAsync();
        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("1"));
        Assert.That(clients[0].Socket.Connected, Is.False);
        Assert.That(clients[1].Socket.Connected, Is.True);
    }

    [Test]
    public async Task SocketsJoin_AddsTheTargetedSocketsToRooms()
    {
        var (host, clients) = await StartAsync(3);
        await using var owner = host;
        await clients[0].Socket.JoinAsync("r");

        await host.Io.SocketsJoinAsync("everyone");
        await host.Io.In("r").SocketsJoinAsync("from r", "also from r");
        await host.Io.Except("r").SocketsJoinAsync("not r");

        Assert.That(clients.Select(c => c.Socket.Rooms.Contains("everyone")), Is.All.True);
        Assert.That(clients[0].Socket.Rooms, Is.SupersetOf(new List<string> { "from r", "also from r" }).And.No.Member("not r"));
        Assert.That(clients[1].Socket.Rooms, Has.Member("not r").And.No.Member("from r"));
        Assert.That(clients[2].Socket.Rooms, Has.Member("not r").And.No.Member("from r"));
    }

    [Test]
    public async Task SocketsLeave_RemovesTheTargetedSocketsFromRooms()
    {
        var (host, clients) = await StartAsync(3);
        await using var owner = host;
        foreach (var client in clients)
        {
            await client.Socket.JoinAsync("a", "b");
        }

        await clients[0].Socket.JoinAsync("keep-b");

        await host.Io.SocketsLeaveAsync("a");
        await host.Io.In("b").Except("keep-b").SocketsLeaveAsync("b");

        Assert.That(host.Io.Sockets.Adapter.Rooms.Keys, Does.Not.Contain("a"));
        Assert.That(host.Io.Sockets.Adapter.RoomSize("b"), Is.EqualTo(1));
        Assert.That(clients[0].Socket.Rooms, Has.Member("b"));
    }

    [Test]
    public async Task DisconnectSockets_SendsDisconnect_AndKeepsTheSessions()
    {
        var (host, clients) = await StartAsync(3);
        await using var owner = host;
        var reasons = new SioRecorder<string>();
        foreach (var client in clients)
        {
            client.Socket.OnDisconnect(r => reasons.AddAsync(r.ToWireString()));
        }

        await clients[0].Socket.JoinAsync("kick");
        await clients[1].Socket.JoinAsync("kick");

        await host.Io.In("kick").DisconnectSocketsAsync();

        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("1"));
        Assert.That(await clients[1].Raw.ReceiveTextAsync(), Is.EqualTo("1"));
        Assert.That(await reasons.WaitForAsync(2, "two sockets to leave"), Is.All.EqualTo("server namespace disconnect"));
        Assert.That(clients[2].Socket.Connected, Is.True);
        Assert.That(host.Io.Engine.ClientsCount, Is.EqualTo(3), "close: false keeps the Engine.IO sessions");
        await clients[0].Raw.ConnectNamespaceAsync();
    }

    [Test]
    public async Task DisconnectSocketsWithClose_ClosesTheConnections()
    {
        var (host, clients) = await StartAsync(2);
        await using var owner = host;

        await host.Io.Except(clients[1].Socket.Id).DisconnectSocketsAsync(close: true);

        Assert.That(await clients[0].Raw.ReceiveTextAsync(), Is.EqualTo("1"));
        await clients[0].Raw.WaitForCloseAsync();
        Assert.That(clients[1].Socket.Connected, Is.True);
        await Signals.UntilAsync(() => host.Io.Engine.ClientsCount == 1, "one session is left");
    }

    [Test]
    public async Task ServerSideEmit_AloneReachesNobody_AndTheAckCompletesEmpty()
    {
        var (host, _) = await StartAsync(0);
        await using var owner = host;
        var heard = new SioRecorder<string>();
        host.Io.OnServerSideEmit("hello", e => heard.AddAsync(e.Name));

        await host.Io.ServerSideEmitAsync("hello", 1);
        var responses = await host.Io.ServerSideEmitWithAckAsync("hello").Within("the server-side ack");

        Assert.That(responses, Is.Empty);
        Assert.That(heard.Count, Is.Zero, "serverSideEmit never reaches the sending server (Node)");
    }
}
