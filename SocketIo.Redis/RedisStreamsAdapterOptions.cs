using SocketIo.Server.Adapters;

namespace SocketIo.Redis;

/// <summary>Options of the Redis streams adapter (Node: <c>createAdapter(redisClient, opts)</c> of @socket.io/redis-streams-adapter 0.3.1).</summary>
public sealed class RedisStreamsAdapterOptions : ClusterAdapterOptions
{
    /// <summary>The stream, or the prefix of the streams when <see cref="StreamCount"/> &gt; 1 (Node: <c>streamName</c>, default <c>socket.io</c>).</summary>
    public string StreamName { get; set; } = "socket.io";

    /// <summary>How many streams the namespaces are spread over by hash (Node: <c>streamCount</c>, default 1).</summary>
    public int StreamCount { get; set; } = 1;

    /// <summary>Prefix of the PUB/SUB channels <c>P#nsp#</c> and <c>P#nsp#uid#</c> (Node: <c>channelPrefix</c>, default <c>socket.io</c>).</summary>
    public string ChannelPrefix { get; set; } = "socket.io";

    /// <summary>SPUBLISH/SSUBSCRIBE and SHARDNUMSUB instead of PUBLISH/SUBSCRIBE and NUMSUB (Node: <c>useShardedPubSub</c>, Redis 7+).</summary>
    public bool UseShardedPubSub { get; set; }

    /// <summary>Approximate bound of each stream: <c>XADD … MAXLEN ~ n</c> (Node: <c>maxLen</c>, default 10000).</summary>
    public int MaxLen { get; set; } = 10_000;

    /// <summary>Entries per XREAD (Node: <c>readCount</c>, default 100).</summary>
    public int ReadCount { get; set; } = 100;

    /// <summary>How long one XREAD blocks (Node: <c>blockTimeInMs</c>, default 5 s).</summary>
    public TimeSpan BlockTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Prefix of the session keys <c>prefix + pid</c> (Node: <c>sessionKeyPrefix</c>, default <c>sio:session:</c>).</summary>
    public string SessionKeyPrefix { get; set; } = "sio:session:";

    /// <summary>Stream entries always JSON, binary as <c>{"type":"Buffer","data":[…]}</c> (Node: <c>onlyPlaintext</c>).</summary>
    public bool OnlyPlaintext { get; set; }

    /// <summary>How long a failed XREAD waits before the next one (Node retries at once; a pause keeps an outage from spinning).</summary>
    public TimeSpan ReadRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(StreamName);
        ArgumentException.ThrowIfNullOrEmpty(ChannelPrefix);
        ArgumentNullException.ThrowIfNull(SessionKeyPrefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(StreamCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLen, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockTime, TimeSpan.Zero);
    }
}
