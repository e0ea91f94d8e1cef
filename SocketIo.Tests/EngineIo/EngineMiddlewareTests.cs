using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// <see cref="EngineIoServer.Use"/> (Node: <c>io.engine.use(fn)</c>): middlewares run in order for every request the
/// engine answers, may answer it themselves, and a throwing one refuses it with 400 MIDDLEWARE_FAILURE.
/// </summary>
[TestFixture]
public sealed class EngineMiddlewareTests
{
    [Test]
    public async Task Middlewares_RunInOrder_ForTheHandshakeAndEveryLaterRequest_AndCanSetResponseHeaders()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var calls = new List<string>();
        host.Server
            .Use(context =>
            {
                lock (calls)
                {
                    calls.Add("a " + context.Request.Method);
                }

                context.Response.Headers["X-Middleware"] = "seen";
                return ValueTask.CompletedTask;
            })
            .Use(_ =>
            {
                lock (calls)
                {
                    calls.Add("b");
                }

                return ValueTask.CompletedTask;
            });

        using var handshake = await host.GetAsync("EIO=4&transport=polling");
        var sid = EngineHandshake.Parse(await handshake.Content.ReadAsStringAsync()).Sid;
        await host.PostOkAsync(sid, "4hello");

        Assert.That(handshake.Headers.TryGetValues("X-Middleware", out var values) && values.Single() == "seen", Is.True);
        lock (calls)
        {
            Assert.That(calls, Is.EqualTo((string[])["a GET", "b", "a POST", "b"]));
        }
    }

    [Test]
    public async Task AMiddlewareThatThrows_Refuses400_AsMiddlewareFailure_WithAConnectionErrorAndALogLine()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var reported = new TaskCompletionSource<EngineIoConnectionError>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Server
            .OnConnectionError(e =>
            {
                reported.TrySetResult(e);
                return ValueTask.CompletedTask;
            })
            .Use(_ => throw new InvalidOperationException("no session store"));

        using var response = await host.GetAsync("EIO=4&transport=polling");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("""{"code":3,"message":"Bad request"}"""));
        var error = await reported.Task.Within("the connection error");
        Assert.That((error.Code, error.Context["name"]), Is.EqualTo((EngineIoErrorCode.BadRequest, (object?)"MIDDLEWARE_FAILURE")));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public async Task AMiddlewareThatAnswers_EndsTheRequest_AndNoSessionIsOpened()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        host.Server.Use(async context =>
        {
            if (context.Request.Query["token"] != "good")
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync("sign in first");
            }
        });

        using var refused = await host.GetAsync("EIO=4&transport=polling");
        using var allowed = await host.GetAsync("EIO=4&transport=polling&token=good");

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await refused.Content.ReadAsStringAsync(), Is.EqualTo("sign in first"));
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(host.Server.ClientsCount, Is.EqualTo(1));
    }

    [Test]
    public async Task AWebSocketHandshake_RunsTheMiddlewaresToo()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var upgrades = 0;
        host.Server.Use(context =>
        {
            if (context.WebSockets.IsWebSocketRequest)
            {
                Interlocked.Increment(ref upgrades);
            }

            return ValueTask.CompletedTask;
        });

        using var client = await host.ConnectWebSocketAsync();

        Assert.That(Volatile.Read(ref upgrades), Is.EqualTo(1));
    }

    [Test]
    public void WithAMiddleware_ALeanEngineIsNotHandedNewWebSocketSessions()
    {
        var server = new EngineIoServer(new EngineIoOptions(), new RecordingEngineHandler());
        var headers = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        Assert.That(server.AdmitWebSocket("/engine.io/?EIO=4&transport=websocket", headers, IPAddress.Loopback, isSecure: false), Is.Not.Null);

        server.Use(_ => ValueTask.CompletedTask);

        Assert.That(server.AdmitWebSocket("/engine.io/?EIO=4&transport=websocket", headers, IPAddress.Loopback, isSecure: false), Is.Null, "the HTTP path runs it with the request's HttpContext");
    }
}
