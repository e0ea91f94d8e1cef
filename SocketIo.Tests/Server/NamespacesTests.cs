using System.Text.RegularExpressions;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Namespaces (socket.io test/namespaces.ts; protocol.md "CONNECT / CONNECT_ERROR", "Server-side connection
/// rules"): static, regex and predicate namespaces, Invalid namespace, and the rules that close a connection.
/// </summary>
[TestFixture]
public sealed partial class NamespacesTests
{
    [Test]
    public async Task Of_ReturnsOneNamespacePerName_AndAddsTheLeadingSlash()
    {
        await using var host = await SioTestHost.StartAsync();
        var io = host.Io;

        Assert.That(io.Of("chat"), Is.SameAs(io.Of("/chat")));
        Assert.That(io.Of("/"), Is.SameAs(io.Sockets));
        Assert.That(io.Of("/chat").Name, Is.EqualTo("/chat"));
        Assert.That(io.Namespaces.Keys, Is.EquivalentTo(new List<string> { "/", "/chat" }));
    }

    [Test]
    public async Task ACustomNamespace_AcceptsConnectWithoutATrailingComma()
    {
        await using var host = await SioTestHost.StartAsync();
        var mainConnections = new SioRecorder<SocketIoSocket>();
        var customConnections = new SioRecorder<SocketIoSocket>();
        host.Io.OnConnection((s, _) => mainConnections.AddAsync(s));
        host.Io.Of("/custom").OnConnection((s, _) => customConnections.AddAsync(s));
        using var client = await host.OpenAsync();

        await client.SendAsync("0/custom");
        var reply = await client.ReceiveTextAsync();

        Assert.That(reply, Does.Match("^0/custom,\\{\"sid\":\"[A-Za-z0-9_-]{20}\"\\}$"));
        var socket = await customConnections.FirstAsync("a connection to /custom");
        Assert.That(socket.Namespace.Name, Is.EqualTo("/custom"));
        Assert.That(reply, Does.Contain(socket.Id));
        Assert.That(mainConnections.Count, Is.Zero, "joining /custom does not join /");
    }

    [Test]
    public async Task AnUnknownNamespace_GetsConnectErrorInvalidNamespace_AndIsNotCreated()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();

        await client.SendAsync("0/nope,");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4/nope,{"message":"Invalid namespace"}"""));
        Assert.That(host.Io.Namespaces.Keys, Is.EqualTo<string[]>(["/"]));
    }

    [Test]
    public async Task AfterAConnectError_TheSessionStays_AndOtherNamespacesConnect_OverWebSocket()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Of("/ok");
        using var client = await host.OpenAsync();

        await client.SendAsync("0/nope,");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4/nope,{"message":"Invalid namespace"}"""));

        var sid = await client.ConnectNamespaceAsync("/ok");
        Assert.That(host.Io.Of("/ok").Sockets.Keys, Is.EqualTo<string[]>([sid]));
        Assert.That(client.Closed.IsCompleted, Is.False);
    }

    [Test]
    public async Task AfterAConnectError_TheSessionStays_AndOtherNamespacesConnect_OverPolling()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = host.CreatePollingClient();
        await client.OpenAsync();

        await client.PostAsync("0/nope,");
        Assert.That(await client.ReceiveAsync(), Is.EqualTo<string[]>(["""4/nope,{"message":"Invalid namespace"}"""]));

        await client.PostAsync("0");
        var reply = await client.ReceiveAsync();
        Assert.That(reply, Has.Count.EqualTo(1));
        Assert.That(reply[0], Does.Match("^0\\{\"sid\":\"[A-Za-z0-9_-]{20}\"\\}$"));
        Assert.That(host.Io.Sockets.Sockets, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ARegexNamespace_CreatesAChild_OnTheFirstMatchingConnect()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        var connections = new SioRecorder<SocketIoSocket>();
        parent.OnConnection((s, _) => connections.AddAsync(s));
        using var client = await host.OpenAsync();
        Assert.That(host.Io.Namespaces.ContainsKey("/dyn-42"), Is.False);

        await client.SendAsync("0/dyn-42,");

        Assert.That(await client.ReceiveTextAsync(), Does.StartWith("0/dyn-42,{\"sid\":"));
        var socket = await connections.FirstAsync("a connection to /dyn-42");
        Assert.That(socket.Namespace.Name, Is.EqualTo("/dyn-42"));
        Assert.That(host.Io.Namespaces["/dyn-42"], Is.SameAs(socket.Namespace));
        Assert.That(parent.Children, Is.EquivalentTo(new[] { socket.Namespace }));

        await client.SendAsync("0/dyn-x,");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4/dyn-x,{"message":"Invalid namespace"}"""));
    }

    [Test]
    public async Task APredicateNamespace_SeesTheNameAndTheAuth()
    {
        await using var host = await SioTestHost.StartAsync();
        var asked = new SioRecorder<string>();
        host.Io.Of(async (name, request) =>
        {
            await Task.Yield();
            asked.Add(name);
            return name.StartsWith("/tenant-", StringComparison.Ordinal) && (string?)request.Auth["token"] == "ok"
                && request.Request.Url.StartsWith("/socket.io/", StringComparison.Ordinal);
        });
        using var client = await host.OpenAsync();

        await client.SendAsync("""0/tenant-1,{"token":"bad"}""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4/tenant-1,{"message":"Invalid namespace"}"""));

        await client.ConnectNamespaceAsync("/tenant-1", """{"token":"ok"}""");
        Assert.That(asked.Items, Is.EqualTo<string[]>(["/tenant-1", "/tenant-1"]));
        Assert.That(host.Io.Namespaces.ContainsKey("/tenant-1"), Is.True);
    }

    [Test]
    public async Task AThrowingPredicate_RefusesWithInvalidNamespace_AndIsLogged()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Of((_, _) => throw new InvalidOperationException("predicate failed"));
        using var client = await host.OpenAsync();

        await client.SendAsync("0/any,");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4/any,{"message":"Invalid namespace"}"""));
        Assert.That(host.Logs.Errors.Select(e => e.Exception?.Message), Has.Member("predicate failed"));
    }

    [Test]
    public async Task DynamicChildren_InheritTheParentsMiddlewareAndHandlers_RegisteredBeforeOrAfterTheirCreation()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        var seen = new SioRecorder<string>();
        parent.Use(async (socket, next) =>
        {
            socket.Data = "from parent middleware";
            await next();
        });
        parent.OnConnection((s, _) => seen.AddAsync("early:" + s.Namespace.Name + ":" + (string?)s.Data));
        using var first = await host.ConnectAsync("/dyn-1");
        await seen.WaitForAsync(1, "the first handler");

        parent.OnConnection((s, _) => seen.AddAsync("late:" + s.Namespace.Name));
        parent.Use((_, _) => throw new ConnectionRejectedException("late middleware"));
        using var second = await host.OpenAsync();
        await second.SendAsync("0/dyn-1,");
        Assert.That(await second.ReceiveTextAsync(), Is.EqualTo("""4/dyn-1,{"message":"late middleware"}"""), "middleware added later applies to existing children");

        using var third = await host.OpenAsync();
        await third.SendAsync("0/dyn-2,");
        Assert.That(await third.ReceiveTextAsync(), Is.EqualTo("""4/dyn-2,{"message":"late middleware"}"""), "and to new ones");
        Assert.That(seen.Items, Is.EqualTo<string[]>(["early:/dyn-1:from parent middleware"]));
    }

    [Test]
    public async Task DynamicChildren_GetHandlersAddedAfterTheirCreation()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        using var first = await host.ConnectAsync("/dyn-1");
        var seen = new SioRecorder<string>();

        parent.OnConnection((s, _) => seen.AddAsync(s.Namespace.Name));
        using var second = await host.ConnectAsync("/dyn-1");

        Assert.That(await seen.FirstAsync("the handler added later"), Is.EqualTo("/dyn-1"));
    }

    [Test]
    public async Task ManyClients_ConnectingAtOnceToANewDynamicNamespace_AllFindItsHandlers()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        var seen = new SioRecorder<string>();
        parent.Use(async (socket, next) =>
        {
            await Task.Yield();
            await next();
        });
        parent.OnConnection((s, _) => seen.AddAsync(s.Id));

        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => host.ConnectAsync("/dyn-7")));

        Assert.That(await seen.WaitForAsync(8, "connection handlers"), Has.Count.EqualTo(8));
        Assert.That(host.Io.Namespaces["/dyn-7"].Sockets, Has.Count.EqualTo(8));
        Assert.That(parent.Children, Has.Count.EqualTo(1));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Test]
    public async Task AStaticNameMatchingARegexParent_BecomesItsChild()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        var seen = new SioRecorder<string>();
        parent.OnConnection((s, _) => seen.AddAsync(s.Namespace.Name));

        var nsp = host.Io.Of("/dyn-5");
        using var client = await host.ConnectAsync("/dyn-5");

        Assert.That(parent.Children, Is.EquivalentTo(new[] { nsp }));
        Assert.That(await seen.FirstAsync("the inherited handler"), Is.EqualTo("/dyn-5"));
    }

    [Test]
    public async Task AParentNamespaceEmit_ReachesEveryChild()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        using var a = await host.ConnectAsync("/dyn-1");
        using var b = await host.ConnectAsync("/dyn-2");

        await parent.EmitAsync("hi", 1);

        Assert.That(await a.ReceiveTextAsync(), Is.EqualTo("""2/dyn-1,["hi",1]"""));
        Assert.That(await b.ReceiveTextAsync(), Is.EqualTo("""2/dyn-2,["hi",1]"""));
    }

    [Test]
    public async Task AClientDisconnect_LeavesOnlyThatNamespace_AndTheSessionStaysWithZeroNamespaces()
    {
        await using var host = await SioTestHost.StartAsync();
        var reasons = new SioRecorder<string>();
        host.Io.OnConnection((s, _) =>
        {
            s.OnDisconnect(r => reasons.AddAsync("/:" + r.ToWireString()));
            return ValueTask.CompletedTask;
        });
        host.Io.Of("/a").OnConnection((s, _) =>
        {
            s.OnDisconnect(r => reasons.AddAsync("/a:" + r.ToWireString()));
            return ValueTask.CompletedTask;
        });
        using var client = await host.OpenAsync();
        var main = await client.ConnectNamespaceAsync("/");
        await client.ConnectNamespaceAsync("/a");

        await client.SendAsync("1/a,");
        Assert.That(await reasons.FirstAsync("/a to leave"), Is.EqualTo("/a:client namespace disconnect"));
        Assert.That(host.Io.Of("/a").Sockets, Is.Empty);
        Assert.That(host.Socket(main).Connected, Is.True);

        await client.SendAsync("1");
        Assert.That((await reasons.WaitForAsync(2, "/ to leave"))[1], Is.EqualTo("/:client namespace disconnect"));
        Assert.That(host.Io.Engine.ClientsCount, Is.EqualTo(1), "no namespace left, the Engine.IO session stays");

        var again = await client.ConnectNamespaceAsync("/");
        Assert.That(again, Is.Not.EqualTo(main), "a new CONNECT is a new socket");
    }

    [TestCase("""2/other,["e"]""", TestName = "{m}(an event for a namespace not joined)")]
    [TestCase("""3/other,1[]""", TestName = "{m}(an ack for a namespace not joined)")]
    [TestCase("0", TestName = "{m}(a second CONNECT for a joined namespace)")]
    [TestCase("""4{"message":"x"}""", TestName = "{m}(a CONNECT_ERROR from the client)")]
    [TestCase("1/other,", TestName = "{m}(a DISCONNECT for a namespace not joined)")]
    public async Task AnInvalidStatePacket_ClosesTheWholeConnection(string packet)
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Of("/other");
        using var client = await host.ConnectAsync("/");

        await client.SendAsync(packet);

        await client.WaitForCloseAsync();
        await Signals.UntilAsync(() => host.Io.Sockets.Sockets.Count == 0, "the socket has left");
        Assert.That(host.Io.Engine.ClientsCount, Is.Zero);
    }

    [GeneratedRegex("^/dyn-\\d+$")]
    private static partial Regex DynamicName();
}
