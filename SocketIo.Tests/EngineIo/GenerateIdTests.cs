using System.Text.Json.Nodes;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary><see cref="EngineIoOptions.GenerateId"/> (Node: <c>io.engine.generateId = req => …</c>).</summary>
[TestFixture]
public sealed class GenerateIdTests
{
    [Test]
    public async Task TheSessionId_IsTheGeneratorsOwn_OnPollingAndWebSocket()
    {
        var n = 0;
        await using var host = await SioTestHost.StartAsync(o => o.Engine.GenerateId = async request =>
        {
            await Task.Yield(); // async generators are allowed
            return $"custom-{Interlocked.Increment(ref n)}-{request.Query["transport"]}";
        });
        using var http = new HttpClient { Timeout = Signals.DefaultTimeout };

        var open = await http.GetStringAsync(new Uri(host.Url, "/socket.io/?EIO=4&transport=polling"));
        Assert.That((string?)JsonNode.Parse(open[1..])!["sid"], Is.EqualTo("custom-1-polling"));
        using var ws = await host.OpenAsync();
        Assert.That(ws.EngineSid, Is.EqualTo("custom-2-websocket"));
        Assert.That(host.Io.Engine.Clients.Select(c => c.Id), Does.Contain("custom-2-websocket"));
    }

    [Test]
    public async Task AGeneratorThatThrows_RefusesTheHandshake_WithBadRequest_AndAConnectionError()
    {
        await using var host = await SioTestHost.StartAsync(o => o.Engine.GenerateId = _ => throw new InvalidOperationException("no id today"));
        var error = new TaskCompletionSource<EngineIoConnectionError>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.Engine.OnConnectionError(e =>
        {
            error.TrySetResult(e);
            return ValueTask.CompletedTask;
        });
        using var http = new HttpClient { Timeout = Signals.DefaultTimeout };

        using var response = await http.GetAsync(new Uri(host.Url, "/socket.io/?EIO=4&transport=polling"));

        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("""{"code":3,"message":"Bad request"}"""));
        var seen = await error.Task.WithTimeout("connection_error");
        Assert.That((seen.Code, seen.Context["name"]), Is.EqualTo((EngineIoErrorCode.BadRequest, (object?)"ID_GENERATION_ERROR")));
    }
}
