using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Server.EngineIo.Transports;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// The session's one data request at a time (polling.ts onDataRequest): when the next POST is taken, on the transport
/// alone. Node releases the data request in the tick of <c>res.end("ok")</c>, before the client can send another.
/// </summary>
[TestFixture]
public sealed class PollingDataRequestTests
{
    [Test]
    public async Task TheNextPost_IsTakenAsSoonAsTheOkIsWritten_NotOnlyOnceTheFirstHandlerHasReturned()
    {
        // An I/O loop writes the "ok" inline: the client's next POST can be read before the first handler returns.
        var transport = new PollingTransport(new EngineIoOptions()) { Listener = new TransportErrors() };
        var second = Post("4second", new MemoryStream());
        var first = Post("4first", new OnWriteStream(() => transport.HandleRequestAsync(second).GetAwaiter().GetResult()));

        await transport.HandleRequestAsync(first).WithTimeout("the first POST");

        Assert.That(first.Response.StatusCode, Is.EqualTo(StatusCodes.Status200OK));
        Assert.That(second.Response.StatusCode, Is.EqualTo(StatusCodes.Status200OK), "not a 400 data request overlap");
    }

    [Test]
    public async Task APostWhileAnotherIsBeingRead_IsAnOverlap()
    {
        // A fake clock: the first body's read timeout never fires during or after the test.
        var transport = new PollingTransport(new EngineIoOptions { TimeProvider = new FakeTimeProvider() }) { Listener = new TransportErrors() };
        var body = new StalledBody();
        var first = PollingPosts.Post(body);
        var reading = transport.HandleRequestAsync(first);
        await body.ReadStarted.Task.WithTimeout("the first body to be read");

        var second = Post("4second", new MemoryStream());
        await transport.HandleRequestAsync(second).WithTimeout("the second POST");
        Assert.That(second.Response.StatusCode, Is.EqualTo(StatusCodes.Status400BadRequest));
        Assert.That(reading.IsCompleted, Is.False);
    }

    private static DefaultHttpContext Post(string body, Stream response) => PollingPosts.Post(new MemoryStream(Encoding.UTF8.GetBytes(body)), response);

    /// <summary>A response body that runs <paramref name="onWrite"/> when written to (the next request arriving then).</summary>
    private sealed class OnWriteStream(Action onWrite) : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            onWrite();
            return base.WriteAsync(buffer, cancellationToken);
        }
    }

    /// <summary>A request body whose first read never completes.</summary>
    private sealed class StalledBody : MemoryStream
    {
        public TaskCompletionSource ReadStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ReadStarted.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }
}
