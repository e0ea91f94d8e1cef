using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Connection middleware, <c>io.use</c> / <c>nsp.use</c> (socket.io test/middleware.ts; protocol.md
/// "CONNECT / CONNECT_ERROR"): order, async continuation, refusal with CONNECT_ERROR <c>{message, data}</c>.
/// </summary>
[TestFixture]
public sealed class MiddlewareTests
{
    [Test]
    public async Task Middlewares_RunInOrder_AndAwaitAsyncWork_BeforeTheConnectionHandler()
    {
        await using var host = await SioTestHost.StartAsync();
        var steps = new SioRecorder<string>();
        host.Io.Use(async (socket, next) =>
        {
            steps.Add("first");
            await Task.Yield();
            await next();
            steps.Add("first after next");
        });
        host.Io.Use(async (socket, next) =>
        {
            steps.Add("second, connected=" + socket.Connected);
            await Task.Run(() => { });
            await next();
        });
        host.Io.OnConnection((s, _) => steps.AddAsync("connection"));

        using var client = await host.ConnectAsync();

        Assert.That(await steps.WaitForAsync(4, "middleware and handler steps"), Is.EqualTo<string[]>(["first", "second, connected=False", "first after next", "connection"]));
    }

    [Test]
    public async Task ASocket_IsNotInTheNamespace_UntilEveryMiddlewarePassed()
    {
        await using var host = await SioTestHost.StartAsync();
        var seen = new SioRecorder<string>();
        host.Io.Use(async (socket, next) =>
        {
            seen.Add($"in namespace: {host.Io.Sockets.Sockets.ContainsKey(socket.Id)}, connected: {socket.Connected}");
            await next();
        });

        using var client = await host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync();

        Assert.That(seen.Items, Is.EqualTo<string[]>(["in namespace: False, connected: False"]));
        Assert.That(host.Socket(sid).Connected, Is.True);
    }

    [Test]
    public async Task ARefusal_SendsConnectErrorWithMessageAndData()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Of("/mw").Use((_, _) => throw new ConnectionRejectedException("not authorized", new { reason = "bad token" }));
        using var client = await host.OpenAsync();

        await client.SendAsync("0/mw,");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4/mw,{"message":"not authorized","data":{"reason":"bad token"}}"""));
    }

    [Test]
    public async Task ARefusalOfTheMainNamespace_HasNoNamespacePrefix_AndDataMayBeAnyJson()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Use(async (_, _) =>
        {
            await Task.Yield();
            throw new ConnectionRejectedException("later", new JArray(1, "two", JValue.CreateNull()));
        });
        using var client = await host.OpenAsync();

        await client.SendAsync("0");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4{"message":"later","data":[1,"two",null]}"""));
    }

    [Test]
    public async Task AnyOtherException_RefusesWithItsMessage_AndNoData()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Use((_, _) => throw new InvalidOperationException("nope"));
        using var client = await host.OpenAsync();

        await client.SendAsync("0");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4{"message":"nope"}"""));
    }

    [Test]
    public async Task ARefusedSocket_NeverJoins_AndTheClientMayRetry()
    {
        await using var host = await SioTestHost.StartAsync();
        var connections = new SioRecorder<SocketIoSocket>();
        host.Io.Use(async (socket, next) =>
        {
            if ((string?)socket.Handshake.Auth["token"] != "good")
            {
                throw new ConnectionRejectedException("bad token");
            }

            await next();
        });
        host.Io.OnConnection((s, _) => connections.AddAsync(s));
        using var client = await host.OpenAsync();

        await client.SendAsync("""0{"token":"bad"}""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4{"message":"bad token"}"""));
        Assert.That(host.Io.Sockets.Sockets, Is.Empty);
        Assert.That(host.Io.Sockets.Adapter.Rooms, Is.Empty, "a refused socket leaves no room behind");

        var sid = await client.ConnectNamespaceAsync("/", """{"token":"good"}""");
        Assert.That((await connections.FirstAsync("the connection")).Id, Is.EqualTo(sid));
        Assert.That(connections.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task AMiddleware_CanReadTheHandshake_AndSetDataForTheConnectionHandler()
    {
        await using var host = await SioTestHost.StartAsync();
        var data = new SioRecorder<string>();
        host.Io.Use(async (socket, next) =>
        {
            socket.Data = new JObject { ["user"] = (string?)socket.Handshake.Auth["user"] };
            socket.Items["local"] = 42;
            await next();
        });
        host.Io.OnConnection((s, _) => data.AddAsync($"{s.Data["user"]}/{s.Items["local"]}"));

        using var client = await host.ConnectAsync("/", """{"user":"ann"}""");

        Assert.That(await data.FirstAsync("the connection handler"), Is.EqualTo("ann/42"));
    }

    [Test]
    public async Task IoUse_IsForTheMainNamespaceOnly_AndNspUseForItsNamespaceOnly()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Use((_, _) => throw new ConnectionRejectedException("main refused"));
        host.Io.Of("/b").Use((_, _) => throw new ConnectionRejectedException("b refused"));
        host.Io.Of("/a");
        using var client = await host.OpenAsync();

        await client.ConnectNamespaceAsync("/a");
        await client.SendAsync("0");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4{"message":"main refused"}"""));
        await client.SendAsync("0/b,");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4/b,{"message":"b refused"}"""));
    }

    [Test]
    public async Task AnAsyncMiddleware_HoldsOnlyItsOwnNamespace()
    {
        await using var host = await SioTestHost.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.Use(async (_, next) =>
        {
            entered.TrySetResult();
            await release.Task;
            await next();
        });
        host.Io.Of("/other");
        using var client = await host.OpenAsync();

        await client.SendAsync("0");
        await entered.Task.WithTimeout("the middleware to start");
        await client.SendAsync("0/other,");
        Assert.That(await client.ReceiveTextAsync(), Does.StartWith("0/other,{\"sid\":"), "/other is answered while / waits");

        release.SetResult();
        Assert.That(await client.ReceiveTextAsync(), Does.StartWith("0{\"sid\":"));
    }

    [Test]
    public async Task ARefusal_IsSentWithTheSocketIOClient_AsConnectError()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.Use((_, _) => throw new ConnectionRejectedException("not authorized", new { reason = "bad token" }));
        // Polling without upgrade: a refused SocketIOClient keeps its WebSocket open and never answers the server's
        // close frame, so the host would wait 5 s for it on shutdown.
        var client = host.CreateClient("/", o => { o.Transport = SocketIOClient.Transport.TransportProtocol.Polling; o.AutoUpgrade = false; });
        var error = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnError += (_, e) => error.TrySetResult(e);

        await client.ConnectAsync().WithTimeout("ConnectAsync to return");

        Assert.That(await error.Task.WithTimeout("the client's error event"), Does.Contain("not authorized"));
        Assert.That(client.Connected, Is.False);
    }
}
