using SocketIo.Server;
using StackExchange.Redis;

namespace SocketIo.Redis;

/// <summary>
/// The one Redis multiplexer of a server: its subscription connection carries every SUBSCRIBE (so the request
/// channel is subscribed exactly once per namespace, which is what the server count counts) and its interactive
/// connection every PUBLISH. Connects on first use and keeps reconnecting (and resubscribing) on its own.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _multiplexer;
    private readonly bool _owned;
    private IConnectionMultiplexer? _ready; // set once the first connection attempt has ended

    /// <summary>Connects with a StackExchange.Redis configuration string (e.g. <c>127.0.0.1:6379</c>) or a <c>redis://host:port</c> URL.</summary>
    public RedisConnection(string configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(configuration);
        var options = ConfigurationOptions.Parse(ToConfiguration(configuration));
        // Start even if Redis is not up yet, and keep retrying: a Redis restart must not take the server down.
        options.AbortOnConnectFail = false;
        _multiplexer = new(async () =>
        {
            var connected = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            Volatile.Write(ref _ready, connected);
            return connected;
        });
        _owned = true;
    }

    /// <summary>Uses an existing multiplexer; it is not disposed with this object.</summary>
    public RedisConnection(IConnectionMultiplexer multiplexer)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        _multiplexer = new(Task.FromResult(multiplexer));
        _ready = multiplexer;
    }

    /// <summary>
    /// The multiplexer once its first connection attempt has ended, else null. Callers that must issue a command before
    /// they return (to keep the call order) use it; the others await <see cref="GetAsync"/>.
    /// </summary>
    internal IConnectionMultiplexer? Ready => Volatile.Read(ref _ready);

    /// <summary>The error of a command refused while Redis is known to be unreachable.</summary>
    internal static SocketIoClusterUnavailableException Unreachable() => new("Redis is unreachable: the multiplexer has no connected server");

    /// <summary>The connected multiplexer.</summary>
    public Task<IConnectionMultiplexer> GetAsync() => _multiplexer.Value;

    /// <summary>
    /// Issues a PUBLISH (or SPUBLISH for a sharded channel) before returning, so that publishes keep their call order
    /// (StackExchange.Redis writes the commands of one connection in the order they are issued); the task reports the
    /// outcome only. While Redis is known to be unreachable it fails at once with
    /// <see cref="SocketIoClusterUnavailableException"/> instead of waiting in the multiplexer's backlog: a message
    /// delivered seconds late, after the reconnect, is worth less than none, and the backlog would grow meanwhile.
    /// </summary>
    internal Task PublishAsync(RedisChannel channel, byte[] payload)
    {
        if (Ready is not { } multiplexer)
        {
            // Only before the first connection (adapters subscribe first, so this is rare): order is not kept here.
            return PublishWhenConnectedAsync(channel, payload);
        }

        return multiplexer.IsConnected
            ? multiplexer.GetSubscriber().PublishAsync(channel, payload)
            : Task.FromException(Unreachable());
    }

    private async Task PublishWhenConnectedAsync(RedisChannel channel, byte[] payload)
    {
        var multiplexer = await GetAsync().ConfigureAwait(false);
        await multiplexer.GetSubscriber().PublishAsync(channel, payload).ConfigureAwait(false);
    }

    /// <summary>Converts <c>redis://[user:password@]host:port[/db]</c> into a StackExchange.Redis configuration string.</summary>
    public static string ToConfiguration(string urlOrConfiguration)
    {
        ArgumentNullException.ThrowIfNull(urlOrConfiguration);
        if (!urlOrConfiguration.StartsWith("redis://", StringComparison.OrdinalIgnoreCase)
            && !urlOrConfiguration.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            return urlOrConfiguration;
        }

        var uri = new Uri(urlOrConfiguration);
        var parts = new List<string> { $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}" };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var userInfo = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
            if (userInfo.Length == 2)
            {
                if (userInfo[0].Length > 0)
                {
                    parts.Add("user=" + userInfo[0]);
                }

                parts.Add("password=" + userInfo[1]);
            }
            else
            {
                parts.Add("password=" + userInfo[0]);
            }
        }

        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db)
        {
            parts.Add("defaultDatabase=" + db);
        }

        if (uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase))
        {
            parts.Add("ssl=true");
        }

        return string.Join(',', parts);
    }

    /// <summary>
    /// Sums <c>PUBSUB NUMSUB|SHARDNUMSUB channel</c> over every primary (counts are per node in a cluster, redis-wire
    /// §3.3). A primary that cannot be asked makes the count unknown: <see cref="SocketIoClusterUnavailableException"/>,
    /// never a smaller count (which would turn a cluster request into a silent local-only answer).
    /// </summary>
    internal async Task<int> CountSubscribersAsync(string subcommand, string channel)
    {
        var multiplexer = await GetAsync().ConfigureAwait(false);
        var total = 0;
        var primaries = 0;
        foreach (var server in multiplexer.GetServers())
        {
            if (server.IsReplica)
            {
                continue;
            }

            if (!server.IsConnected)
            {
                throw new SocketIoClusterUnavailableException($"Redis server {server.EndPoint} is unreachable; the number of servers in the cluster is unknown");
            }

            RedisResult result;
            try
            {
                result = await server.ExecuteAsync("PUBSUB", subcommand, channel).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                throw new SocketIoClusterUnavailableException($"PUBSUB {subcommand} failed on Redis server {server.EndPoint}: {ex.Message}", ex);
            }

            primaries++;
            if (result.Resp2Type == ResultType.Array && result.Length >= 2)
            {
                total += (int)result[1];
            }
        }

        return primaries > 0 ? total : throw new SocketIoClusterUnavailableException("No Redis primary is known; the number of servers in the cluster is unknown");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_owned && _multiplexer.IsValueCreated)
        {
            try
            {
                var multiplexer = await _multiplexer.Value.ConfigureAwait(false);
                await multiplexer.DisposeAsync().ConfigureAwait(false);
            }
            catch (RedisConnectionException)
            {
                // Never connected: nothing to close.
            }
        }
    }
}
