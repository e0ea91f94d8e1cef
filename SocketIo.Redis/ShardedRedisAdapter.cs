using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SocketIo.Server.Adapters;
using StackExchange.Redis;

namespace SocketIo.Redis;

/// <summary>
/// The sharded Redis adapter, wire-compatible with Node's <c>createShardedAdapter()</c> (redis-wire §7–§8): the
/// ClusterAdapter envelope <c>{type, data, uid, nsp}</c> over SPUBLISH/SSUBSCRIBE on <c>P#N#</c>, <c>P#N#uid#</c> and,
/// depending on the subscription mode, <c>P#N#room#</c>; JSON unless the message carries binary; the server count by
/// <c>PUBSUB SHARDNUMSUB</c>. Works on a Redis Cluster and on a single node (Redis ≥ 7).
/// </summary>
public sealed partial class ShardedRedisAdapter : ClusterAdapter
{
    private readonly RedisConnection _connection;
    private readonly ShardedRedisAdapterOptions _options;
    private readonly RedisChannels _channels;
    private readonly ConcurrentDictionary<string, ChannelMessageQueue> _queues = new(StringComparer.Ordinal);

    /// <summary>Creates the adapter of one namespace.</summary>
    public ShardedRedisAdapter(IAdapterNamespace nsp, RedisConnection connection, ShardedRedisAdapterOptions options, ILogger<ShardedRedisAdapter>? logger = null)
        : base(nsp, RedisIds.Hex16(), options, logger)
    {
        ArgumentNullException.ThrowIfNull(nsp);
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _channels = new RedisChannels(options.ChannelPrefix, nsp.Name);
        if (options.SubscriptionMode != ShardedSubscriptionMode.Static)
        {
            RoomCreated += (_, e) => _ = OnRoomCreatedAsync(e.Room);
            RoomDeleted += (_, e) => _ = UnsubscribeAsync(_channels.Room(e.Room));
        }
    }

    /// <summary>The channel names of this namespace.</summary>
    public RedisChannels Channels => _channels;

    /// <summary>SSUBSCRIBE the main and own channels (redis-wire §7.3).</summary>
    public override async Task InitAsync(CancellationToken cancellationToken = default)
    {
        await SubscribeAsync(_channels.BroadcastBase).ConfigureAwait(false);
        await SubscribeAsync(_channels.OwnChannel(Uid)).ConfigureAwait(false);
    }

    private async Task OnRoomCreatedAsync(string room)
    {
        // Dynamic mode: public rooms only (a room that is a local socket id is private); dynamic-private: all.
        var isSocketIdRoom = SocketRooms(room) is not null;
        if (_options.SubscriptionMode == ShardedSubscriptionMode.DynamicPrivate || !isSocketIdRoom)
        {
            await SubscribeAsync(_channels.Room(room)).ConfigureAwait(false);
        }
    }

    private async Task SubscribeAsync(string channel)
    {
        try
        {
            if (_queues.ContainsKey(channel))
            {
                return;
            }

            var subscriber = (await _connection.GetAsync().ConfigureAwait(false)).GetSubscriber();
            var queue = await subscriber.SubscribeAsync(RedisChannel.Sharded(channel)).ConfigureAwait(false);
            if (!_queues.TryAdd(channel, queue))
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
                return;
            }

            var own = _channels.OwnChannel(Uid);
            queue.OnMessage(message =>
            {
                try
                {
                    OnShardedMessage(channel, channel == own, (byte[]?)message.Message ?? []);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    LogBadMessage(Logger, channel, ex.Message);
                }
            });
        }
        catch (RedisException ex)
        {
            LogSubscribeFailed(Logger, channel, ex);
        }
    }

    private async Task UnsubscribeAsync(string channel)
    {
        if (_queues.TryRemove(channel, out var queue))
        {
            await SubscriptionQueues.UnsubscribeQuietlyAsync(queue).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async ValueTask CloseAsync()
    {
        foreach (var channel in _queues.Keys)
        {
            await UnsubscribeAsync(channel).ConfigureAwait(false);
        }

        await base.CloseAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Shard subscribers of the main channel, summed over the cluster (redis-wire §7.4); throws
    /// <see cref="SocketIo.Server.SocketIoClusterUnavailableException"/> while Redis is unreachable.
    /// </summary>
    public override Task<int> ServerCountAsync(CancellationToken cancellationToken = default) =>
        _connection.CountSubscribersAsync("SHARDNUMSUB", _channels.BroadcastBase);

    /// <inheritdoc />
    protected override Task PublishAsync(ClusterMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return PublishEnvelopeAsync(ShardedWireFormat.ChannelFor(_channels, _options.SubscriptionMode, message), message);
    }

    /// <inheritdoc />
    protected override Task PublishResponseAsync(string requesterUid, ClusterMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return PublishEnvelopeAsync(_channels.OwnChannel(requesterUid), response);
    }

    private Task PublishEnvelopeAsync(string channel, ClusterMessage message) =>
        _connection.PublishAsync(RedisChannel.Sharded(channel), ShardedWireFormat.Encode(message));

    private void OnShardedMessage(string channel, bool isOwnChannel, byte[] payload)
    {
        if (ShardedWireFormat.Decode(payload) is not { } message)
        {
            // No type, a string type, no nsp (8.2.x peers), garbage: ignored (captures S03, S06–S08).
            LogBadMessage(Logger, channel, "not a cluster message");
            return;
        }

        if (message.Type == ClusterMessageType.Broadcast && message.Data is null)
        {
            // Node crashes on this one (capture S05); here it is only logged.
            LogBadMessage(Logger, channel, "broadcast without data");
            return;
        }

        if (isOwnChannel)
        {
            OnResponse(message);
        }
        else
        {
            OnMessage(message);
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Ignored a malformed Redis message on channel {Channel}: {Reason}")]
    private static partial void LogBadMessage(ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Subscribing to Redis channel {Channel} failed")]
    private static partial void LogSubscribeFailed(ILogger logger, string channel, Exception exception);
}
