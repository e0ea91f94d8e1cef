using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary><c>io.Engine.OnConnectionError</c> (Node: <c>io.engine.on("connection_error")</c>) from a Socket.IO server.</summary>
[TestFixture]
public sealed class ConnectionErrorEventTests
{
    [Test]
    public async Task ARefusedRequest_ReachesTheListeners_WithTheReferenceCodeMessageAndContext()
    {
        await using var host = await SioTestHost.StartAsync();
        var seen = new TaskCompletionSource<EngineIoConnectionError>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.Engine
            .OnConnectionError(error =>
            {
                seen.TrySetResult(error);
                return ValueTask.CompletedTask;
            })
            .OnConnectionError(_ =>
            {
                second.TrySetResult();
                return ValueTask.CompletedTask;
            });

        using var http = new HttpClient { Timeout = Signals.DefaultTimeout };
        using var response = await http.GetAsync(new Uri(host.Url, "/socket.io/?EIO=4&transport=polling&sid=nope"));

        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        var error = await seen.Task.WithTimeout("the connection_error listener");
        Assert.That((error.Code, error.Message), Is.EqualTo((EngineIoErrorCode.UnknownSid, "Session ID unknown")));
        Assert.That(error.Context["sid"], Is.EqualTo("nope"));
        await second.Task.WithTimeout("every listener");
    }

    [Test]
    public async Task AListenerThatThrows_DoesNotStopTheOthersOrTheAnswer()
    {
        await using var host = await SioTestHost.StartAsync();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.Engine
            .OnConnectionError(_ => throw new InvalidOperationException("listener bug"))
            .OnConnectionError(_ =>
            {
                seen.TrySetResult();
                return ValueTask.CompletedTask;
            });

        using var http = new HttpClient { Timeout = Signals.DefaultTimeout };
        using var response = await http.GetAsync(new Uri(host.Url, "/socket.io/?EIO=4&transport=bogus"));

        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        await seen.Task.WithTimeout("the second listener");
    }
}
