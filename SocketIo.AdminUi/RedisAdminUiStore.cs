using StackExchange.Redis;

namespace SocketIo.AdminUi;

/// <summary>
/// Session ids in Redis (Node: admin-ui's <c>RedisStore</c>), so that a dashboard logged in on one server of a cluster
/// is known to every other, .NET or Node, that uses the same Redis and prefix: each id is the key
/// <c>&lt;prefix&gt;#&lt;id&gt;</c> holding <c>true</c>, expiring after <see cref="SessionDuration"/>, as Node writes it.
/// </summary>
public sealed class RedisAdminUiStore : AdminUiStore
{
    private readonly IDatabaseAsync _redis;

    /// <summary>Keeps sessions in <paramref name="redis"/> (Node: <c>new RedisStore(redisClient, options)</c>).</summary>
    /// <param name="redis">The database, e.g. <c>multiplexer.GetDatabase()</c>.</param>
    /// <param name="prefix">The keys' prefix; Node's default is <c>socket.io-admin</c>.</param>
    /// <param name="sessionDuration">How long a session is known; Node's default is a day (86,400 s).</param>
    public RedisAdminUiStore(IDatabaseAsync redis, string prefix = "socket.io-admin", TimeSpan? sessionDuration = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var duration = sessionDuration ?? TimeSpan.FromDays(1);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.FromSeconds(1), nameof(sessionDuration));
        _redis = redis;
        Prefix = prefix;
        SessionDuration = duration;
    }

    /// <summary>The keys' prefix.</summary>
    public string Prefix { get; }

    /// <summary>How long a saved session is known.</summary>
    public TimeSpan SessionDuration { get; }

    /// <inheritdoc />
    public override async ValueTask<bool> DoesSessionExistAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return await _redis.KeyExistsAsync(KeyOf(sessionId)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async ValueTask SaveSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        // One SET with EX: the value and expiry Node's MULTI SET + EXPIRE leave, without a moment when the key has no expiry.
        await _redis.StringSetAsync(KeyOf(sessionId), "true", SessionDuration).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private RedisKey KeyOf(string sessionId) => Prefix + "#" + sessionId;
}
