using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Rooms (socket.io test/socket.ts "rooms" and socket.io-adapter's room events; protocol.md "Rooms"): the own-id
/// room, join/leave, cleanup on disconnect, and the adapter's create/join/leave/delete events.
/// </summary>
[TestFixture]
public sealed class RoomsTests
{
    [Test]
    public async Task EverySocket_IsInARoomNamedAfterItsId()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());

        Assert.That(socket.Rooms, Is.EquivalentTo(new[] { socket.Id }));
        Assert.That(host.Io.Sockets.Adapter.Rooms.Keys, Is.EquivalentTo(new[] { socket.Id }));

        await host.Io.To(socket.Id).EmitAsync("private");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["private"]"""));
    }

    [Test]
    public async Task JoinAndLeave_ChangeRooms_AndAnEmptyRoomIsDeleted()
    {
        await using var host = await SioTestHost.StartAsync();
        using var a = await host.OpenAsync();
        var first = host.Socket(await a.ConnectNamespaceAsync());
        using var b = await host.OpenAsync();
        var second = host.Socket(await b.ConnectNamespaceAsync());
        var adapter = host.Io.Sockets.Adapter;

        await first.JoinAsync("r1", "r2");
        await second.JoinAsync("r2");

        Assert.That(first.Rooms, Is.EquivalentTo(new[] { first.Id, "r1", "r2" }));
        Assert.That(adapter.RoomSize("r2"), Is.EqualTo(2));
        Assert.That(adapter.RoomSize("r1"), Is.EqualTo(1));

        await first.LeaveAsync("r1");
        await first.LeaveAsync("not joined");
        Assert.That(first.Rooms, Is.EquivalentTo(new[] { first.Id, "r2" }));
        Assert.That(adapter.Rooms.Keys, Does.Not.Contain("r1"), "the empty room is deleted");
        Assert.That(adapter.RoomSize("r1"), Is.Zero);
    }

    [Test]
    public async Task Disconnecting_StillSeesTheRooms_Disconnect_SeesNone_AndTheRoomsAreGone()
    {
        await using var host = await SioTestHost.StartAsync();
        var seen = new SioRecorder<string>();
        host.Io.OnConnection(async (socket, _) =>
        {
            socket.OnDisconnecting(_ => seen.AddAsync("disconnecting:" + string.Join(",", socket.Rooms.Where(r => r != socket.Id))));
            socket.OnDisconnect(_ => seen.AddAsync("disconnect:" + socket.Rooms.Count));
            await socket.JoinAsync("room");
        });
        using var client = await host.ConnectAsync();
        await Signals.UntilAsync(() => host.Io.Sockets.Adapter.RoomSize("room") == 1, "the socket has joined its room");

        await client.SendAsync("1");

        Assert.That(await seen.WaitForAsync(2, "both handlers"), Is.EqualTo<string[]>(["disconnecting:room", "disconnect:0"]));
        Assert.That(host.Io.Sockets.Adapter.Rooms, Is.Empty);
    }

    [Test]
    public async Task Join_AfterTheSocketLeft_IsANoOp()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());
        await socket.DisconnectAsync();

        await socket.JoinAsync("late");

        Assert.That(host.Io.Sockets.Adapter.Rooms, Is.Empty);
    }

    [Test]
    public async Task TheAdapter_RaisesRoomEvents_InNodesOrder()
    {
        await using var host = await SioTestHost.StartAsync();
        var events = new SioRecorder<string>();
        var adapter = host.Io.Sockets.Adapter;
        adapter.RoomCreated += (_, e) => events.Add($"create-room {e.Room}");
        adapter.RoomJoined += (_, e) => events.Add($"join-room {e.Room} {e.SocketId}");
        adapter.RoomLeft += (_, e) => events.Add($"leave-room {e.Room} {e.SocketId}");
        adapter.RoomDeleted += (_, e) => events.Add($"delete-room {e.Room}");

        using var a = await host.OpenAsync();
        var first = host.Socket(await a.ConnectNamespaceAsync());
        using var b = await host.OpenAsync();
        var second = host.Socket(await b.ConnectNamespaceAsync());
        await first.JoinAsync("r");
        await second.JoinAsync("r");
        await first.JoinAsync("r");
        await first.LeaveAsync("r");
        await second.LeaveAsync("r");

        string F(string s) => s.Replace(first.Id, "A", StringComparison.Ordinal).Replace(second.Id, "B", StringComparison.Ordinal);
        Assert.That(events.Items.Select(F), Is.EqualTo<string[]>([
            "create-room A", "join-room A A",
            "create-room B", "join-room B B",
            "create-room r", "join-room r A",
            "join-room r B",
            "leave-room r A",
            "leave-room r B", "delete-room r",
        ]));
    }

    [Test]
    public async Task Disconnect_RaisesLeaveAndDeleteForEveryRoom()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());
        await socket.JoinAsync("r");
        var events = new SioRecorder<RoomEventArgs>();
        host.Io.Sockets.Adapter.RoomLeft += (_, e) => events.Add(e);
        host.Io.Sockets.Adapter.RoomDeleted += (_, e) => events.Add(e);

        await socket.DisconnectAsync();

        var all = await events.WaitForAsync(4, "leave and delete for both rooms");
        Assert.That(all.Where(e => e.SocketId is not null).Select(e => e.Room), Is.EquivalentTo(new[] { socket.Id, "r" }));
        Assert.That(all.Where(e => e.SocketId is null).Select(e => e.Room), Is.EquivalentTo(new[] { socket.Id, "r" }));
    }

    [Test]
    public async Task RoomsBelongToTheirNamespace()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var main = host.Socket(await client.ConnectNamespaceAsync("/"));
        host.Io.Of("/other");
        await client.ConnectNamespaceAsync("/other");

        await main.JoinAsync("shared-name");
        await host.Io.Of("/other").To("shared-name").EmitAsync("not for main");
        await host.Io.To("shared-name").EmitAsync("for main");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["for main"]"""));
        Assert.That(host.Io.Of("/other").Adapter.Rooms.Keys, Does.Not.Contain("shared-name"));
    }
}
