using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Per-packet middleware, <c>socket.use((event, next) => …)</c> (socket.io test/socket-middleware.ts): it runs for
/// every incoming event before the handlers, and an error it raises reaches the socket's error handlers.
/// </summary>
[TestFixture]
public sealed class SocketMiddlewareTests
{
    /// <summary>A host whose sockets get <paramref name="setup"/> in the connection handler.</summary>
    private static async Task<(SioTestHost Host, SioRawClient Client, SocketIoSocket Socket)> StartAsync(Action<SocketIoSocket> setup)
    {
        var host = await SioTestHost.StartAsync();
        host.Io.OnConnection((socket, _) =>
        {
            setup(socket);
            return ValueTask.CompletedTask;
        });
        var client = await host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync();
        return (host, client, host.Socket(sid));
    }

    [Test]
    public async Task Middlewares_RunForEveryEvent_InOrder_BeforeTheHandlers()
    {
        var steps = new SioRecorder<string>();
        var (host, client, _) = await StartAsync(socket =>
        {
            socket.Use(async (e, next) =>
            {
                steps.Add("1:" + e.Name + ":" + e.Args.ToString(Newtonsoft.Json.Formatting.None));
                await next();
            });
            socket.Use(async (e, next) =>
            {
                await Task.Yield();
                steps.Add("2:" + e.Name);
                await next();
            });
            socket.On("ev", e => steps.AddAsync("handler:" + e.GetValue<int>(0)));
        });
        await using (host)
        {
            await client.SendAsync("""2["ev",1,"x"]""");

            Assert.That(await steps.WaitForAsync(3, "middleware and handler"), Is.EqualTo<string[]>(["1:ev:[1,\"x\"]", "2:ev", "handler:1"]));
        }
    }

    [Test]
    public async Task AThrowingMiddleware_SendsTheErrorToOnError_AndTheHandlerIsNotCalled()
    {
        var handled = new SioRecorder<string>();
        var errors = new SioRecorder<Exception>();
        var (host, client, server) = await StartAsync(socket =>
        {
            socket.Use(async (e, next) =>
            {
                if (e.Name == "forbidden")
                {
                    throw new UnauthorizedAccessException("unauthorized event");
                }

                await next();
            });
            socket.OnError(errors.AddAsync);
            socket.On("forbidden", e => handled.AddAsync(e.Name));
            socket.On("allowed", e => handled.AddAsync(e.Name));
        });
        await using (host)
        {
            await client.SendAsync("""2["forbidden"]""");
            await client.SendAsync("""2["allowed"]""");

            var error = await errors.FirstAsync("the middleware's error");
            Assert.That(error, Is.TypeOf<UnauthorizedAccessException>().With.Message.EqualTo("unauthorized event"));
            Assert.That(await handled.FirstAsync("the allowed event"), Is.EqualTo("allowed"));
            Assert.That(handled.Items, Is.EqualTo<string[]>(["allowed"]));
            Assert.That(server.Connected, Is.True, "an error does not disconnect (Node: the app may call disconnect)");
        }
    }

    [Test]
    public async Task AMiddlewareThatDoesNotCallNext_DropsTheEvent()
    {
        var handled = new SioRecorder<string>();
        var (host, client, _) = await StartAsync(socket =>
        {
            socket.Use(async (e, next) =>
            {
                if (e.Name != "dropped")
                {
                    await next();
                }
            });
            socket.On("dropped", e => handled.AddAsync(e.Name));
            socket.On("kept", e => handled.AddAsync(e.Name));
        });
        await using (host)
        {
            await client.SendAsync("""2["dropped"]""");
            await client.SendAsync("""2["kept"]""");

            Assert.That(await handled.FirstAsync("the kept event"), Is.EqualTo("kept"));
            Assert.That(handled.Items, Is.EqualTo<string[]>(["kept"]));
        }
    }

    [Test]
    public async Task AMiddleware_MayAnswerTheAckItself()
    {
        var (host, client, _) = await StartAsync(socket =>
            socket.Use(async (e, next) =>
            {
                if (e.HasAck)
                {
                    await e.AckAsync("from middleware");
                }
            }));
        await using (host)
        {
            await client.SendAsync("""25["ev"]""");

            Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""35["from middleware"]"""));
        }
    }

    [Test]
    public async Task Middlewares_ArePerSocket()
    {
        var handled = new SioRecorder<string>();
        await using var host = await SioTestHost.StartAsync();
        var first = true;
        host.Io.OnConnection((socket, _) =>
        {
            if (first)
            {
                first = false;
                socket.Use((_, _) => ValueTask.CompletedTask);
            }

            socket.On("ev", e => handled.AddAsync(e.Socket.Id));
            return ValueTask.CompletedTask;
        });
        using var blocked = await host.OpenAsync();
        await blocked.ConnectNamespaceAsync();
        using var open = await host.OpenAsync();
        var openId = await open.ConnectNamespaceAsync();

        await blocked.SendAsync("""2["ev"]""");
        await open.SendAsync("""2["ev"]""");

        Assert.That(await handled.FirstAsync("the event of the socket without middleware"), Is.EqualTo(openId));
    }

    [Test]
    public async Task Middleware_DoesNotSeeAcks()
    {
        var steps = new SioRecorder<string>();
        var (host, client, socket) = await StartAsync(s =>
        {
            s.Use(async (e, next) =>
            {
                steps.Add("middleware:" + e.Name);
                await next();
            });
        });
        await using (host)
        {
            var answer = socket.EmitWithAckAsync("question");
            Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["question"]"""));
            await client.SendAsync("""30["answer"]""");

            Assert.That((string?)await answer.WithTimeout("the ack"), Is.EqualTo("answer"));
            Assert.That(steps.Items, Is.Empty, "socket.use sees events only (socket.ts _onevent)");
        }
    }
}
