using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Node's EventEmitter surface beyond <c>on</c>/<c>off</c>: <c>once</c>, <c>listeners</c>, <c>listenersAny</c>,
/// <c>listenersAnyOutgoing</c>, <c>removeAllListeners</c>, on sockets and on the server's and namespaces' own events.
/// </summary>
[TestFixture]
public sealed class ListenerApiTests
{
    [Test]
    public async Task Once_RunsForTheNextEventOnly()
    {
        await using var server = new SioFakeServer();
        var (transport, socket) = server.Connect();
        var once = new SioRecorder<string>();
        var every = new SioRecorder<string>();
        socket.Once("e", e => once.AddAsync(e.GetValue<string>(0)!));
        socket.On("e", e => every.AddAsync(e.GetValue<string>(0)!));

        transport.ReceiveText("""42["e","first"]""");
        transport.ReceiveText("""42["e","second"]""");

        // The handlers of one event run in registration order: once the second event reached the later handler,
        // a once handler still registered would have seen it first.
        Assert.That(await every.WaitForAsync(2, "both events"), Is.EqualTo<string[]>(["first", "second"]));
        Assert.That(once.Items, Is.EqualTo<string[]>(["first"]));
        Assert.That(socket.Listeners("e"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Off_WithTheUsersDelegate_RemovesAOnceHandler_AndListenersShowTheUsersDelegates()
    {
        await using var server = new SioFakeServer();
        var (transport, socket) = server.Connect();
        var removed = new SioRecorder<string>();
        var kept = new SioRecorder<string>();
        Func<SocketIoEvent, ValueTask> onceHandler = e => removed.AddAsync("once");
        Func<SocketIoEvent, ValueTask> onHandler = e => kept.AddAsync("on");
        socket.Once("e", onceHandler);
        socket.On("e", onHandler);

        Assert.That(socket.Listeners("e"), Is.EqualTo(new[] { onceHandler, onHandler }));
        socket.Off("e", onceHandler);
        transport.ReceiveText("""42["e"]""");

        await kept.FirstAsync("the remaining handler");
        Assert.That(removed.Count, Is.Zero);
        Assert.That(socket.Listeners("e"), Is.EqualTo(new[] { onHandler }));
        Assert.That(socket.Listeners("other"), Is.Empty);
    }

    [Test]
    public async Task RemoveAllListeners_OfOneEvent_LeavesTheOthers()
    {
        await using var server = new SioFakeServer();
        var (transport, socket) = server.Connect();
        var seen = new SioRecorder<string>();
        socket.On("a", _ => seen.AddAsync("a"));
        socket.Once("a", _ => seen.AddAsync("a-once"));
        socket.On("b", _ => seen.AddAsync("b"));

        socket.RemoveAllListeners("a");
        transport.ReceiveText("""42["a"]""");
        transport.ReceiveText("""42["b"]""");

        Assert.That(await seen.FirstAsync("the b handler"), Is.EqualTo("b"));
        Assert.That(seen.Items, Is.EqualTo<string[]>(["b"]));
        Assert.That(socket.Listeners("a"), Is.Empty);
    }

    [Test]
    public async Task RemoveAllListeners_WithoutAName_RemovesEventAndDisconnectHandlers_ButNotCatchAlls()
    {
        await using var server = new SioFakeServer();
        var (transport, socket) = server.Connect();
        var seen = new SioRecorder<string>();
        socket.On("a", _ => seen.AddAsync("a"));
        socket.OnDisconnect(_ => seen.AddAsync("disconnect"));
        socket.OnDisconnecting(_ => seen.AddAsync("disconnecting"));
        socket.OnAny(_ => seen.AddAsync("any"));

        socket.RemoveAllListeners();
        transport.ReceiveText("""42["a"]""");
        Assert.That(await seen.FirstAsync("the catch-all"), Is.EqualTo("any"));

        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.OnDisconnect(_ =>
        {
            disconnected.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await socket.DisconnectAsync();
        await disconnected.Task.WithTimeout("the handler added after the removal");

        Assert.That(seen.Items, Is.EqualTo<string[]>(["any"]));
    }

    [Test]
    public async Task RemoveAllListeners_Disconnect_RemovesOnlyTheDisconnectHandlers()
    {
        await using var server = new SioFakeServer();
        var (_, socket) = server.Connect();
        var seen = new SioRecorder<string>();
        socket.OnDisconnect(_ => seen.AddAsync("disconnect"));
        socket.OnDisconnecting(_ => seen.AddAsync("disconnecting"));

        socket.RemoveAllListeners("disconnect");
        await socket.DisconnectAsync();

        Assert.That(await seen.FirstAsync("disconnecting"), Is.EqualTo("disconnecting"));
        Assert.That(seen.Items, Is.EqualTo<string[]>(["disconnecting"]));
    }

    [Test]
    public async Task ListenersAny_AndListenersAnyOutgoing_ListInOrder_AndFollowOffAny()
    {
        await using var server = new SioFakeServer();
        var (_, socket) = server.Connect();
        Func<SocketIoEvent, ValueTask> first = _ => ValueTask.CompletedTask;
        Func<SocketIoEvent, ValueTask> second = _ => ValueTask.CompletedTask;
        Func<string, Newtonsoft.Json.Linq.JArray, ValueTask> outgoing = (_, _) => ValueTask.CompletedTask;

        socket.OnAny(second).PrependAny(first).OnAnyOutgoing(outgoing);

        Assert.That(socket.ListenersAny(), Is.EqualTo(new[] { first, second }));
        Assert.That(socket.ListenersAnyOutgoing(), Is.EqualTo(new[] { outgoing }));
        socket.OffAny(first).OffAnyOutgoing();
        Assert.That(socket.ListenersAny(), Is.EqualTo(new[] { second }));
        Assert.That(socket.ListenersAnyOutgoing(), Is.Empty);
    }

    [Test]
    public async Task OnceConnection_RunsForTheNextConnectionOnly()
    {
        await using var server = new SioFakeServer();
        var once = new SioRecorder<string>();
        var every = new SioRecorder<string>();
        server.Io.OnceConnection((s, _) => once.AddAsync(s.Id));
        server.Io.OnConnection((s, _) => every.AddAsync(s.Id));

        var (_, first) = server.Connect();
        var (_, second) = server.Connect();

        Assert.That(await every.WaitForAsync(2, "two connections"), Is.EqualTo(new[] { first.Id, second.Id }));
        Assert.That(once.Items, Is.EqualTo(new[] { first.Id }));
        Assert.That(server.Io.ConnectionListeners, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task OffConnection_RemovesOneHandler_OrAll_OnTheServerAndOnANamespace()
    {
        await using var server = new SioFakeServer();
        var seen = new SioRecorder<string>();
        Func<SocketIoSocket, CancellationToken, ValueTask> removed = (_, _) => seen.AddAsync("removed");
        Func<SocketIoSocket, CancellationToken, ValueTask> onceRemoved = (_, _) => seen.AddAsync("once-removed");
        Func<SocketIoSocket, CancellationToken, ValueTask> kept = (_, _) => seen.AddAsync("kept");
        server.Io.OnConnection(removed).OnceConnection(onceRemoved).OnConnection(kept);
        Assert.That(server.Io.ConnectionListeners, Is.EqualTo(new[] { removed, onceRemoved, kept }));

        server.Io.OffConnection(removed).OffConnection(onceRemoved);
        server.Connect();
        Assert.That(await seen.FirstAsync("the kept handler"), Is.EqualTo("kept"));

        var chat = server.Io.Of("/chat").OnConnection(kept);
        chat.OffConnection();
        Assert.That(chat.ConnectionListeners, Is.Empty);
        server.Connect("/chat");
        server.Connect();
        await seen.WaitForAsync(2, "the second connection to /");
        Assert.That(seen.Items, Is.EqualTo<string[]>(["kept", "kept"]));
    }

    [Test]
    public async Task OffServerSideEmit_RemovesOneHandler_OrAllOfTheEvent()
    {
        await using var server = new SioFakeServer();
        var seen = new SioRecorder<string>();
        Func<ServerSideEvent, ValueTask> a = _ => seen.AddAsync("a");
        Func<ServerSideEvent, ValueTask> b = _ => seen.AddAsync("b");
        server.Io.OnServerSideEmit("ping", a).OnServerSideEmit("ping", b);

        server.Io.OffServerSideEmit("ping", a);
        Assert.That(server.Io.Sockets.ServerSideEmitListeners("ping"), Is.EqualTo(new[] { b }));
        // What the adapter calls when another server's serverSideEmit arrives.
        server.Io.Sockets.OnServerSideEmit(new Newtonsoft.Json.Linq.JArray("ping"), ack: null);
        Assert.That(await seen.FirstAsync("the kept handler"), Is.EqualTo("b"));

        server.Io.OffServerSideEmit("ping");
        Assert.That(server.Io.Sockets.ServerSideEmitListeners("ping"), Is.Empty);
        Assert.That(server.Io.Sockets.ServerSideEmitListeners("never"), Is.Empty);
        server.Io.Sockets.OnServerSideEmit(new Newtonsoft.Json.Linq.JArray("ping"), ack: null);
        Assert.That(seen.Items, Is.EqualTo<string[]>(["b"]), "handlers run synchronously up to their first await");
    }
}
