using Newtonsoft.Json.Linq;
using NUnit.Framework;
using System.Net;
using System.Reflection;
using SocketIo.Server;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// The socket API (socket.io test/socket.ts): handlers, catch-all listeners, emit payloads, reserved names, and
/// handler failures that are logged and never reach the host.
/// </summary>
[TestFixture]
public sealed class SocketTests
{
    private static async Task<(SioTestHost Host, SioRawClient Client, SocketIoSocket Socket)> StartAsync(Action<SocketIoSocket>? setup = null)
    {
        var host = await SioTestHost.StartAsync();
        var (client, socket) = await host.ConnectWithHandlerAsync(setup);
        return (host, client, socket);
    }

    [Test]
    public async Task Conn_ShowsTheEngineSession_AndItsEnd()
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        var conn = socket.Conn;
        Assert.Multiple(() =>
        {
            Assert.That(conn.Id, Is.EqualTo(client.EngineSid));
            Assert.That(conn.Protocol, Is.EqualTo(4));
            Assert.That(conn.TransportName, Is.EqualTo("websocket"));
            Assert.That(conn.RemoteAddress, Is.EqualTo(IPAddress.Loopback));
            Assert.That(conn.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
            Assert.That(conn.Upgraded, Is.False);
            Assert.That(conn.Request.GetQuery("EIO"), Is.EqualTo("4"));
        });

        client.Abort();
        await Signals.UntilAsync(() => conn.ReadyState == EngineIoReadyState.Closed, "the session to close");
    }

    [Test]
    public async Task ConnMessageAndFlush_ShowTheSocketIoPacketsAsEncoded()
    {
        var seen = new SioRecorder<string>();
        var (host, client, socket) = await StartAsync(s =>
        {
            // Node: socket.conn.on("message", data => …) / on("flush", buffer => …).
            s.Conn.OnMessage(m => seen.Add("message:" + m.Text)).OnFlush(p => seen.Add("flush:" + string.Join("|", p.Select(x => x.Text))));
        });
        await using var owner = host;
        Assert.That(socket.Conn.Upgrading, Is.False);

        await client.SendAsync("""2["ev",1]""");
        await Signals.UntilAsync(() => seen.Items.Contains("""message:2["ev",1]"""), "the message event");

        await socket.EmitAsync("back");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["back"]"""));
        await Signals.UntilAsync(() => seen.Items.Contains("""flush:2["back"]"""), "the flush event");
    }

    [Test]
    public void Conn_FollowsTheSession_ThroughAnUpgrade()
    {
        var server = new EngineIoServer(new EngineIoOptions { TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() }, new RecordingEngineHandler());
        var session = server.Accept("AAAAAAAAAAAAAAAAAAA1", new FakeEngineTransport(EngineIoOptions.Polling), EngineIoRequests.Polling());
        var conn = new EngineIoConnection(session);
        Assert.That((conn.TransportName, conn.Upgraded), Is.EqualTo((EngineIoOptions.Polling, false)));
        Assert.That(conn.Transport.Name, Is.EqualTo(EngineIoOptions.Polling));

        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket);
        session.TryBeginUpgrade(ws);
        ws.ReceiveText("2probe");
        ws.ReceiveText("5");

        Assert.That((conn.TransportName, conn.Upgraded), Is.EqualTo((EngineIoOptions.WebSocket, true)), "a live view, not a snapshot");
        Assert.That(conn.Transport.Name, Is.EqualTo(EngineIoOptions.WebSocket), "conn.Transport is the current transport");
        session.Close(discard: true);
        Assert.That(conn.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
    }

    [Test]
    public async Task ConnTransport_IsPollingThenWebSocket_ThroughARealUpgrade_AndWritableFollowsThePendingGet()
    {
        await using var host = await SioTestHost.StartAsync();
        var connected = new TaskCompletionSource<SocketIoSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var upgraded = new TaskCompletionSource<(string Event, string Read)>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.OnConnection((socket, _) =>
        {
            // Node: socket.conn.on("upgrade", () => socket.conn.transport.name).
            socket.Conn.OnUpgrade(name => upgraded.TrySetResult((name, socket.Conn.Transport.Name)));
            connected.TrySetResult(socket);
            return ValueTask.CompletedTask;
        });
        var polling = host.CreatePollingClient();
        await polling.OpenAsync();
        await polling.PostAsync("0");
        var socket = await connected.Task.WithTimeout("the connection handler");

        // No GET is pending (the handshake's has returned): the CONNECT reply waits in the buffer.
        var before = socket.Conn.Transport;
        Assert.That((before.Name, before.Writable, before.ReadyState), Is.EqualTo((EngineIoOptions.Polling, false, EngineIoReadyState.Open)));
        Assert.That(socket.Conn.Transport, Is.SameAs(before), "one view per transport, as Node's one transport object");
        Assert.That((await polling.ReceiveAsync())[0], Does.StartWith("0{"));
        Assert.That(before.Writable, Is.False, "the GET that carried the CONNECT reply is answered");

        // A GET that finds nothing to send waits on the server: now a write would go out at once.
        var pending = polling.PollAsync();
        await Signals.UntilAsync(() => socket.Conn.Transport.Writable, "the GET is pending on the server");

        using var ws = await EngineWebSocket.ConnectAsync(host.WebSocketUri("sid=" + Uri.EscapeDataString(polling.Sid)));
        await ws.SendTextAsync("2probe");
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("3probe"));
        Assert.That(await pending.WithTimeout("the pending GET to be released"), Is.EqualTo<string[]>(["6"]));
        Assert.That((socket.Conn.Transport.Name, socket.Conn.Transport.Writable), Is.EqualTo((EngineIoOptions.Polling, false)), "not switched before 5");
        await ws.SendTextAsync("5");

        Assert.That(await upgraded.Task.WithTimeout("the upgrade event"), Is.EqualTo((EngineIoOptions.WebSocket, EngineIoOptions.WebSocket)));
        var after = socket.Conn.Transport;
        Assert.Multiple(() =>
        {
            Assert.That(after.Name, Is.EqualTo(EngineIoOptions.WebSocket));
            Assert.That(after.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
            Assert.That(socket.Conn.TransportName, Is.EqualTo(after.Name));
            Assert.That(after, Is.Not.SameAs(before));
            // A view kept from before the upgrade describes the discarded polling transport, as Node's object would.
            Assert.That((before.Name, before.Writable, before.ReadyState), Is.EqualTo((EngineIoOptions.Polling, false, EngineIoReadyState.Closed)));
        });
        await Signals.UntilAsync(() => after.Writable, "the idle WebSocket is writable");

        await socket.EmitAsync("over", "ws");
        Assert.That(await ws.ReceiveTextAsync(), Is.EqualTo("42[\"over\",\"ws\"]"));

        ws.Socket.Abort();
        await Signals.UntilAsync(() => after.ReadyState == EngineIoReadyState.Closed, "the WebSocket transport closes with its session");
        Assert.That(socket.Conn.Transport, Is.SameAs(after), "the session ended on the WebSocket");
    }

    [Test]
    public void Conn_IsReadOnly_NothingOnItWritesToOrClosesTheSession()
    {
        var conn = typeof(SocketIoSocket).GetProperty(nameof(SocketIoSocket.Conn))!.PropertyType;
        var members = conn.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly);

        Assert.That(conn, Is.Not.EqualTo(typeof(EngineIoSocket)));
        Assert.That(members.OfType<PropertyInfo>().Where(p => p.CanWrite), Is.Empty, "no settable property");
        // Node's conn events may be listened to (OnUpgrade…, each returning the view); nothing else is a method.
        var methods = members.OfType<MethodInfo>().Where(m => !m.IsSpecialName).ToList();
        Assert.That(methods.Where(m => !m.Name.StartsWith("On", StringComparison.Ordinal) || m.ReturnType != conn).Select(m => m.Name), Is.Empty, "no method but listeners, only getters");
        Assert.That(string.Join(",", methods.Select(m => m.Name).Order(StringComparer.Ordinal)), Is.EqualTo("OnClose,OnData,OnDrain,OnFlush,OnHeartbeat,OnMessage,OnPacket,OnPacketCreate,OnUpgrade,OnUpgrading"));
        Assert.That(members.OfType<FieldInfo>(), Is.Empty);

        // What it shows of its transport (Node: conn.transport) only reads, but for close(): no send. Closing the
        // transport is what a client that goes away does: the session ends with "transport close" and every
        // namespace learns it through the engine's close, so nothing is ended behind their backs.
        var transport = conn.GetProperty(nameof(EngineIoConnection.Transport))!.PropertyType;
        var transportMembers = transport.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly);
        Assert.That(transport.IsSealed, Is.True);
        Assert.That(transportMembers.OfType<PropertyInfo>().Where(p => p.CanWrite), Is.Empty, "no settable property on the transport view");
        Assert.That(transportMembers.OfType<MethodInfo>().Where(m => !m.IsSpecialName).Select(m => m.Name), Is.EqualTo<string[]>([nameof(EngineIoTransportInfo.Close)]), "the transport view has getters and Close");
        Assert.That(transportMembers.OfType<FieldInfo>(), Is.Empty);
        Assert.That(transport.GetConstructors(), Is.Empty, "user code cannot build one");
    }

    [Test]
    public async Task OnAny_SeesEveryEvent_BeforeItsHandlers_AndPrependAnyGoesFirst()
    {
        var order = new SioRecorder<string>();
        var (host, client, _) = await StartAsync(s =>
        {
            s.On("ev", e => order.AddAsync("handler"));
            s.OnAny(e => order.AddAsync($"any:{e.Name}:{e.Args.ToString(Newtonsoft.Json.Formatting.None)}"));
            s.PrependAny(e => order.AddAsync("prepended"));
        });
        await using var owner = host;

        await client.SendAsync("""2["ev",1,{"a":"b"}]""");
        await client.SendAsync("""2["unhandled"]""");

        Assert.That(await order.WaitForAsync(5, "listeners"), Is.EqualTo<string[]>(["prepended", "any:ev:[1,{\"a\":\"b\"}]", "handler", "prepended", "any:unhandled:[]"]));
    }

    [Test]
    public async Task OffAny_RemovesOneListener_OrAllOfThem()
    {
        var seen = new SioRecorder<string>();
        Func<SocketIoEvent, ValueTask> first = e => seen.AddAsync("first:" + e.Name);
        Func<SocketIoEvent, ValueTask> second = e => seen.AddAsync("second:" + e.Name);
        var (host, client, socket) = await StartAsync(s =>
        {
            s.OnAny(first).OnAny(second);
            s.On("marker", e => seen.AddAsync("marker:" + e.GetValue<int>(0)));
        });
        await using var owner = host;

        socket.OffAny(first);
        await client.SendAsync("""2["a"]""");
        await client.SendAsync("""2["marker",1]""");
        await seen.WaitForAsync(3, "the events before OffAny()");
        socket.OffAny();
        await client.SendAsync("""2["b"]""");
        await client.SendAsync("""2["marker",2]""");

        Assert.That(await seen.WaitForAsync(4, "the second marker"), Is.EqualTo<string[]>(["second:a", "second:marker", "marker:1", "marker:2"]));
    }

    [Test]
    public async Task Off_RemovesOneHandler_OrEveryHandlerOfTheEvent()
    {
        var seen = new SioRecorder<string>();
        Func<SocketIoEvent, ValueTask> one = _ => seen.AddAsync("one");
        Func<SocketIoEvent, ValueTask> two = _ => seen.AddAsync("two");
        var (host, client, socket) = await StartAsync(s =>
        {
            s.On("ev", one).On("ev", two);
            s.On("marker", _ => seen.AddAsync("marker"));
        });
        await using var owner = host;

        socket.Off("ev", one);
        await client.SendAsync("""2["ev"]""");
        await client.SendAsync("""2["marker"]""");
        await seen.WaitForAsync(2, "the first marker");
        socket.Off("ev");
        await client.SendAsync("""2["ev"]""");
        await client.SendAsync("""2["marker"]""");

        Assert.That(await seen.WaitForAsync(3, "the second marker"), Is.EqualTo<string[]>(["two", "marker", "marker"]));
    }

    [Test]
    public async Task OnAnyOutgoing_SeesEveryPacketTheSocketSends_EmitsAndBroadcasts()
    {
        var outgoing = new SioRecorder<string>();
        Func<string, JArray, ValueTask> removed = (name, _) => outgoing.AddAsync("removed:" + name);
        var (host, client, socket) = await StartAsync(s =>
        {
            s.OnAnyOutgoing((name, args) => outgoing.AddAsync($"{name}:{args.ToString(Newtonsoft.Json.Formatting.None)}"));
            s.PrependAnyOutgoing((name, _) => outgoing.AddAsync("first:" + name));
            s.OnAnyOutgoing(removed);
        });
        await using var owner = host;
        socket.OffAnyOutgoing(removed);

        await socket.EmitAsync("direct", 1);
        await host.Io.EmitAsync("broadcast", "x");
        _ = socket.EmitWithAckAsync("with-ack");

        Assert.That(await outgoing.WaitForAsync(6, "outgoing listeners"), Is.EqualTo<string[]>([
            "first:direct", "direct:[1]", "first:broadcast", "broadcast:[\"x\"]", "first:with-ack", "with-ack:[]"]));
        Assert.That(await client.ReceiveTextsAsync(3), Is.EqualTo<string[]>(["""2["direct",1]""", """2["broadcast","x"]""", """20["with-ack"]"""]));

        socket.OffAnyOutgoing();
        await socket.EmitAsync("unseen");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["unseen"]"""));
        Assert.That(outgoing.Count, Is.EqualTo(6));
    }

    [TestCase("connect")]
    [TestCase("connect_error")]
    [TestCase("disconnect")]
    [TestCase("disconnecting")]
    [TestCase("newListener")]
    [TestCase("removeListener")]
    public async Task ReservedEventNames_ThrowOnEmit(string name)
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        Assert.That(() => socket.EmitAsync(name), Throws.ArgumentException.With.Message.Contains($"\"{name}\" is a reserved event name"));
        Assert.That(() => socket.EmitWithAckAsync(name), Throws.ArgumentException);
        Assert.That(() => socket.Volatile.EmitAsync(name), Throws.ArgumentException);
        Assert.That(() => host.Io.EmitAsync(name), Throws.ArgumentException);
        Assert.That(() => host.Io.To("room").EmitAsync(name), Throws.ArgumentException);
        Assert.That(() => socket.Broadcast.EmitAsync(name), Throws.ArgumentException);
        Assert.That(() => host.Io.Timeout(TimeSpan.FromSeconds(1)).EmitWithAckAsync(name), Throws.ArgumentException);

        await socket.EmitAsync("connection");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["connection"]"""), "only socket-types.ts RESERVED_EVENTS are refused");
    }

    [TestCase("connect")]
    [TestCase("connection")]
    [TestCase("new_namespace")]
    public async Task ReservedServerSideEventNames_ThrowOnServerSideEmit(string name)
    {
        await using var host = await SioTestHost.StartAsync();

        Assert.That(() => host.Io.ServerSideEmitAsync(name), Throws.ArgumentException);
        Assert.That(() => host.Io.ServerSideEmitWithAckAsync(name), Throws.ArgumentException);
    }

    [Test]
    public async Task EmitPayloads_AreWrittenAsJsonStringifyWritesThem()
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        await socket.EmitAsync(
            "data",
            new { b = 1, a = 2.0, s = "é\u0001\u2028", n = (string?)null, nan = double.NaN, big = 1e21, small = 1e-7, neg = -0.0 },
            new Dictionary<string, object> { ["z"] = true, ["y"] = new List<int> { 1, 2 } },
            JToken.Parse("""{"kept":"as is"}"""),
            new DateTime(2020, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc),
            null,
            "text");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo(
            "2[\"data\",{\"b\":1,\"a\":2,\"s\":\"é\\u0001\u2028\",\"n\":null,\"nan\":null,\"big\":1e+21,\"small\":1e-7,\"neg\":0},"
            + "{\"z\":true,\"y\":[1,2]},{\"kept\":\"as is\"},\"2020-01-02T03:04:05.678Z\",null,\"text\"]"));
    }

    [Test]
    public async Task SendAsync_EmitsAMessageEvent()
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        await socket.SendAsync("hi", 1);
        await host.Io.SendAsync("all");

        Assert.That(await client.ReceiveTextsAsync(2), Is.EqualTo<string[]>(["""2["message","hi",1]""", """2["message","all"]"""]));
    }

    [Test]
    public async Task WriteAsync_IsSendAsync_OnTheSocketTheNamespaceAndTheServer()
    {
        var (host, client, socket) = await StartAsync();
        await using var owner = host;

        await socket.WriteAsync("hi", 1);
        await host.Io.Sockets.WriteAsync("nsp");
        await host.Io.WriteAsync();

        Assert.That(await client.ReceiveTextsAsync(3), Is.EqualTo<string[]>(["""2["message","hi",1]""", """2["message","nsp"]""", """2["message"]"""]));
    }

    [Test]
    public async Task Client_ShowsTheConnection_AndItsSocketInEachNamespace()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Of("/chat");
        var client = await host.OpenAsync();
        var root = host.Socket(await client.ConnectNamespaceAsync());
        var view = root.Client;
        var sockets = view.Sockets;

        Assert.That(view.Conn, Is.SameAs(root.Conn));
        Assert.That(view.Request, Is.SameAs(root.Request));
        Assert.That(sockets.Keys, Is.EqualTo(new[] { root.Id }));

        var chat = host.Socket(await client.ConnectNamespaceAsync("/chat"), "/chat");
        Assert.Multiple(() =>
        {
            Assert.That(chat.Client, Is.SameAs(view), "one view per connection, shared by its sockets");
            Assert.That(sockets.Keys, Is.EquivalentTo(new[] { root.Id, chat.Id }), "a view read earlier is live");
            Assert.That(sockets[chat.Id], Is.SameAs(chat));
            Assert.That(view.Namespaces["/"], Is.SameAs(root));
            Assert.That(view.Namespaces["/chat"], Is.SameAs(chat));
            Assert.That(view.Namespaces.ContainsKey("/other"), Is.False);
        });

        await chat.DisconnectAsync();

        Assert.That(view.Namespaces.Keys, Is.EqualTo<string[]>(["/"]), "a socket that left is gone");
        Assert.That(sockets.ContainsKey(chat.Id), Is.False);
        Assert.That(() => sockets[chat.Id], Throws.TypeOf<KeyNotFoundException>());
    }

    [Test]
    public void Client_IsReadOnly_AndKeepsTheConnectionInternal()
    {
        var client = typeof(SocketIoSocket).GetProperty(nameof(SocketIoSocket.Client))!.PropertyType;
        var members = client.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly);

        Assert.That(client.IsSealed, Is.True);
        Assert.That(client.GetConstructors(), Is.Empty, "user code cannot build one");
        Assert.That(members.OfType<PropertyInfo>().Where(p => p.CanWrite), Is.Empty, "no settable property");
        Assert.That(members.OfType<MethodInfo>().Where(m => !m.IsSpecialName).Select(m => m.Name), Is.Empty, "only getters: no write, no close");
        Assert.That(members.OfType<PropertyInfo>().Select(p => p.Name).Order(StringComparer.Ordinal), Is.EqualTo<string[]>(["Conn", "Namespaces", "Request", "Sockets"]));
    }

    [Test]
    public async Task ANumericEventName_IsAccepted_AndABareEventIsIgnored()
    {
        var seen = new SioRecorder<string>();
        var (host, client, _) = await StartAsync(s =>
        {
            s.On("1", e => seen.AddAsync("1:" + e.Args.ToString(Newtonsoft.Json.Formatting.None)));
            s.On("marker", e => seen.AddAsync("marker"));
        });
        await using var owner = host;

        await client.SendAsync("2");
        await client.SendAsync("2[1,2]");
        await client.SendAsync("""2["marker"]""");

        Assert.That(await seen.WaitForAsync(2, "the events"), Is.EqualTo<string[]>(["1:[2]", "marker"]));
        Assert.That(client.Closed.IsCompleted, Is.False);
    }

    [Test]
    public async Task HandlerExceptions_AreLogged_AndNeverCloseTheConnection()
    {
        var seen = new SioRecorder<string>();
        var (host, client, _) = await StartAsync(s =>
        {
            s.OnAny(e => e.Name == "boom" ? throw new InvalidOperationException("any failed") : ValueTask.CompletedTask);
            s.On("boom", _ => throw new InvalidOperationException("handler failed"));
            s.On("boom", e => seen.AddAsync("second handler still runs"));
            s.On("async-boom", async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async handler failed");
            });
            s.On("ok", e => e.AckAsync("fine"));
        });
        await using var owner = host;

        await client.SendAsync("""2["boom"]""");
        await client.SendAsync("""2["async-boom"]""");
        await client.SendAsync("""21["ok"]""");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""31["fine"]"""));
        Assert.That(await seen.FirstAsync("the second handler"), Is.EqualTo("second handler still runs"));
        await Signals.UntilAsync(() => host.Logs.Errors.Count >= 3, "three errors are logged");
        Assert.That(host.Logs.Errors.Select(e => e.Exception?.Message), Is.SupersetOf(new List<string> { "any failed", "handler failed", "async handler failed" }));
        Assert.That(host.Logs.Errors.Select(e => e.Category), Is.All.EqualTo(typeof(SocketIoServer).FullName));
    }

    [Test]
    public async Task ConnectionAndDisconnectHandlerExceptions_AreLogged()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.OnConnection((socket, _) =>
        {
            socket.OnDisconnect(_ => throw new InvalidOperationException("disconnect handler failed"));
            throw new InvalidOperationException("connection handler failed");
        });
        using var client = await host.ConnectAsync();

        await client.SendAsync("1");

        await Signals.UntilAsync(() => host.Logs.Errors.Count >= 2, "two errors are logged");
        Assert.That(host.Logs.Errors.Select(e => e.Exception?.Message), Is.EquivalentTo(new List<string> { "connection handler failed", "disconnect handler failed" }));
        await client.ConnectNamespaceAsync();
    }

    [Test]
    public async Task Data_DefaultsToAnEmptyObject_AndItemsAreLocal()
    {
        var (host, _, socket) = await StartAsync();
        await using var owner = host;

        Assert.That(socket.Data, Is.TypeOf<JObject>().And.Empty);
        socket.Items["key"] = "value";
        Assert.That(socket.Items["key"], Is.EqualTo("value"));
        Assert.That(socket.Server, Is.SameAs(host.Io));
        Assert.That(socket.Namespace, Is.SameAs(host.Io.Sockets));
        Assert.That(socket.User.Identity?.IsAuthenticated, Is.Not.True);
    }

    [Test]
    public async Task SocketIOClient_ExchangesEventsWithTheServer()
    {
        await using var host = await SioTestHost.StartAsync();
        var received = new SioRecorder<string>();
        host.Io.OnConnection(async (socket, _) =>
        {
            socket.On("chat", async e =>
            {
                received.Add($"{e.GetValue<string>(0)}:{e.GetValue<int>(1)}:{e.Args[2]!["nested"]}");
                await e.Socket.EmitAsync("chat-back", new { text = e.GetValue<string>(0), count = 2 });
            });
            await socket.EmitAsync("welcome", "hello");
        });
        var client = host.CreateClient();
        var welcome = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var back = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On("welcome", r => welcome.TrySetResult(r.GetValue<string>(0)));
        client.On("chat-back", r => back.TrySetResult(r.GetValue(0).GetRawText()));
        await client.ConnectAsync().WithTimeout("the client to connect");

        Assert.That(await welcome.Task.WithTimeout("the welcome event"), Is.EqualTo("hello"));
        await client.EmitAsync("chat", "hi", 7, new { nested = "yes" });

        Assert.That(await received.FirstAsync("the chat event"), Is.EqualTo("hi:7:yes"));
        Assert.That(await back.Task.WithTimeout("the answer"), Is.EqualTo("""{"text":"hi","count":2}"""));
    }
}
