using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Redis;
using SocketIo.Redis.Streams;
using SocketIo.Tests.Support;
using StackExchange.Redis;

namespace SocketIo.Tests.Redis;

/// <summary>The XREAD loop's behaviour when reads fail: it never stops, and waits on the TimeProvider between tries.</summary>
[TestFixture]
public sealed class RedisStreamReaderTests
{
    private static readonly string[] Ids = ["1-0", "1-1"];

    [Test]
    public async Task A_failed_read_is_retried_after_the_retry_delay_on_the_time_provider_and_the_loop_never_stops()
    {
        var time = new FakeTimeProvider();
        var attempts = Channel.CreateUnbounded<int>();
        var count = 0;
        var options = new RedisStreamsAdapterOptions { ReadRetryDelay = TimeSpan.FromSeconds(1) };
        Task<IConnectionMultiplexer> Connect()
        {
            attempts.Writer.TryWrite(Interlocked.Increment(ref count));
            return Task.FromException<IConnectionMultiplexer>(new InvalidOperationException("redis down"));
        }

        await using var reader = new RedisStreamReader("s", options, Connect, (_, _) => { }, time, NullLogger.Instance);
        await reader.StartAsync().Within("the first attempt");
        Assert.That(await attempts.Reader.ReadAsync().AsTask().Within("attempt 1"), Is.EqualTo(1));

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(attempts.Reader.TryRead(out _), Is.False, "no retry before the delay");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await attempts.Reader.ReadAsync().AsTask().Within("attempt 2"), Is.EqualTo(2));
        // The loop goes on: keep the clock moving until the third attempt (bounded).
        var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
        int third;
        while (!attempts.Reader.TryRead(out third))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "no third attempt");
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Yield();
        }

        Assert.That(third, Is.EqualTo(3));
    }

    [Test]
    public void Replies_are_parsed_as_XREAD_gives_them_and_nil_means_nothing_new()
    {
        Assert.That(RedisStreamReader.ParseEntries(RedisResult.Create(RedisValue.Null)), Is.Empty);
        var reply = RedisResult.Create(
        [
            RedisResult.Create(
            [
                RedisResult.Create((RedisValue)"s"),
                RedisResult.Create(
                [
                    RedisResult.Create([RedisResult.Create((RedisValue)"1-0"), RedisResult.Create([RedisResult.Create((RedisValue)"nsp"), RedisResult.Create((RedisValue)"/")])]),
                    RedisResult.Create([RedisResult.Create((RedisValue)"1-1"), RedisResult.Create((RedisValue)"not a field list")]),
                ]),
            ]),
        ]);
        var entries = RedisStreamReader.ParseEntries(reply);
        Assert.That(entries.Select(e => e.Id), Is.EqualTo(Ids));
        Assert.That(entries[0].Fields["nsp"], Is.EqualTo("/"));
        Assert.That(entries[1].Fields, Is.Empty);
    }
}
