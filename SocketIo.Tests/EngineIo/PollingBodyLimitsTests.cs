using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Server.EngineIo.Transports;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// engine.io 6.6.13's limits on a polling POST body, on the transport alone with a scripted body:
/// <c>httpRequestBodyTimeout</c> (408) and <c>maxBufferedChunks</c> (413); both end the session with a transport error.
/// </summary>
[TestFixture]
public sealed class PollingBodyLimitsTests
{
    /// <summary>A body that hands out one byte per read, then (when <paramref name="stall"/>) never ends.</summary>
    private sealed class TrickleStream(byte[] data, bool stall) : Stream
    {
        private int _position;

        public TaskCompletionSource ReadStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < data.Length)
            {
                buffer.Span[0] = data[_position++];
                return 1;
            }

            if (!stall)
            {
                return 0;
            }

            ReadStarted.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Test]
    public async Task ABodyThatHasNotArrivedWithinTheTimeout_Is408_AndATransportError()
    {
        var time = new FakeTimeProvider();
        var transport = new PollingTransport(new EngineIoOptions { TimeProvider = time, HttpRequestBodyTimeout = TimeSpan.FromSeconds(30) });
        var errors = new TransportErrors();
        transport.Listener = errors;
        var body = new TrickleStream(Encoding.UTF8.GetBytes("4hal"), stall: true);
        var context = PollingPosts.Post(body);

        var handling = transport.HandleRequestAsync(context);
        await body.ReadStarted.Task.WithTimeout("the body read to wait for more");
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.That(handling.IsCompleted, Is.False, "not before the timeout");
        time.Advance(TimeSpan.FromSeconds(1));
        await handling.WithTimeout("the 408");

        Assert.That(context.Response.StatusCode, Is.EqualTo(StatusCodes.Status408RequestTimeout));
        Assert.That(context.Response.Headers.Connection.ToString(), Is.EqualTo("close"));
        Assert.That(errors.Messages.Single(), Is.EqualTo("http request timeout"));
    }

    [Test]
    public async Task ABodyInMorePiecesThanMaxBufferedChunks_Is413_AndATransportError()
    {
        var options = new EngineIoOptions { MaxBufferedChunks = 5 };
        var errors = new TransportErrors();
        var transport = new PollingTransport(options) { Listener = errors };
        var withinLimit = new PollingTransport(options) { Listener = new TransportErrors() };

        var tooMany = PollingPosts.Post(new TrickleStream(Encoding.UTF8.GetBytes("4abcde"), stall: false)); // 6 reads
        await transport.HandleRequestAsync(tooMany).WithTimeout("the 413");
        var enough = PollingPosts.Post(new TrickleStream(Encoding.UTF8.GetBytes("4abcd"), stall: false)); // 5 reads
        await withinLimit.HandleRequestAsync(enough).WithTimeout("the 200");

        Assert.That(tooMany.Response.StatusCode, Is.EqualTo(StatusCodes.Status413PayloadTooLarge));
        Assert.That(errors.Messages.Single(), Is.EqualTo("too many chunks"));
        Assert.That(enough.Response.StatusCode, Is.EqualTo(StatusCodes.Status200OK));
    }
}
