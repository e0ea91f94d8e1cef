using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;
using StackExchange.Redis;

namespace SocketIo.Redis;

/// <summary>
/// The classic Redis adapter, wire-compatible with Node's <c>createAdapter()</c> of @socket.io/redis-adapter 8.x
/// (redis-wire §3–§6): msgpack broadcasts <c>[uid, packet, opts]</c> on <c>P#N#[room#]</c>, JSON/msgpack requests of
/// types 0–9 on <c>P-request#N#</c>, responses on the shared or the requester's response channel, the server count by
/// <c>PUBSUB NUMSUB</c>. The cluster logic lives in <see cref="ClusterAdapter"/>; this class only translates.
/// </summary>
public sealed partial class RedisAdapter : ClusterAdapter
{
    private readonly RedisConnection _connection;
    private readonly RedisAdapterOptions _options;
    private readonly RedisChannels _channels;
    private readonly List<ChannelMessageQueue> _queues = new();

    /// <summary>Creates the adapter of one namespace.</summary>
    public RedisAdapter(IAdapterNamespace nsp, RedisConnection connection, RedisAdapterOptions options, ILogger<RedisAdapter>? logger = null)
        : base(nsp, RedisIds.Uid2(6), options, logger)
    {
        ArgumentNullException.ThrowIfNull(nsp);
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _channels = new RedisChannels(options.Key, nsp.Name);
    }

    /// <summary>The channel names of this namespace.</summary>
    public RedisChannels Channels => _channels;

    /// <inheritdoc />
    protected override string NewRequestId() => RedisIds.Uid2(6);

    /// <summary>PSUBSCRIBE <c>P#N#*</c>; SUBSCRIBE the request and both response channels (redis-wire §3.3).</summary>
    public override async Task InitAsync(CancellationToken cancellationToken = default)
    {
        var subscriber = (await _connection.GetAsync().ConfigureAwait(false)).GetSubscriber();
        await SubscribeAsync(subscriber, RedisChannel.Pattern(_channels.BroadcastPattern), OnBroadcastMessageAsync).ConfigureAwait(false);
        await SubscribeAsync(subscriber, RedisChannel.Literal(_channels.Request), OnRequestMessageAsync).ConfigureAwait(false);
        await SubscribeAsync(subscriber, RedisChannel.Literal(_channels.Response), OnResponseMessageAsync).ConfigureAwait(false);
        await SubscribeAsync(subscriber, RedisChannel.Literal(_channels.SpecificResponse(Uid)), OnResponseMessageAsync).ConfigureAwait(false);
    }

    private async Task SubscribeAsync(ISubscriber subscriber, RedisChannel channel, Func<string, byte[], Task> handler)
    {
        var queue = await subscriber.SubscribeAsync(channel).ConfigureAwait(false);
        lock (_queues)
        {
            _queues.Add(queue);
        }

        // The queue delivers in order, one message at a time; nothing a message contains may stop it.
        queue.OnMessage(async message =>
        {
            var name = (string?)message.Channel ?? string.Empty;
            try
            {
                await handler(name, (byte[]?)message.Message ?? []).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogBadMessage(Logger, name, ex.Message);
            }
        });
    }

    /// <inheritdoc />
    public override async ValueTask CloseAsync()
    {
        await SubscriptionQueues.UnsubscribeAllAsync(_queues).ConfigureAwait(false);

        await base.CloseAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Subscribers of the request channel, summed over the cluster (redis-wire §6.1); throws
    /// <see cref="SocketIo.Server.SocketIoClusterUnavailableException"/> while Redis is unreachable.
    /// </summary>
    public override Task<int> ServerCountAsync(CancellationToken cancellationToken = default) =>
        _connection.CountSubscribersAsync("NUMSUB", _channels.Request);

    private Task PublishRawAsync(string channel, byte[] payload) => _connection.PublishAsync(RedisChannel.Literal(channel), payload);

    /// <inheritdoc />
    protected override Task PublishAsync(ClusterMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ClassicWireFormat.Encode(_channels, Uid, message) is { } wire ? PublishRawAsync(wire.Channel, wire.Payload) : Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task PublishResponseAsync(string requesterUid, ClusterMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return ClassicWireFormat.EncodeResponse(_channels, _options.PublishOnSpecificResponseChannel, requesterUid, response) is { } wire
            ? PublishRawAsync(wire.Channel, wire.Payload)
            : Task.CompletedTask;
    }

    private Task PublishJsonAsync(string channel, JObject message) => PublishRawAsync(channel, JsJson.Serialize(message));

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Ignored a malformed Redis message on channel {Channel}: {Reason}")]
    private static partial void LogBadMessage(ILogger logger, string channel, string reason);
}
