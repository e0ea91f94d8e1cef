using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SocketIo.Redis.Codec;
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
        ChannelMessageQueue[] queues;
        lock (_queues)
        {
            queues = _queues.ToArray();
            _queues.Clear();
        }

        foreach (var queue in queues)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // Redis is gone; nothing to unsubscribe from.
            }
        }

        await base.CloseAsync().ConfigureAwait(false);
    }

    /// <summary>Subscribers of the request channel, summed over the cluster (redis-wire §6.1).</summary>
    public override Task<int> ServerCountAsync(CancellationToken cancellationToken = default) =>
        _connection.CountSubscribersAsync("NUMSUB", _channels.Request);

    private async Task PublishRawAsync(string channel, byte[] payload)
    {
        var subscriber = (await _connection.GetAsync().ConfigureAwait(false)).GetSubscriber();
        await subscriber.PublishAsync(RedisChannel.Literal(channel), payload).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override Task PublishAsync(ClusterMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var data = message.Data ?? new JObject();
        switch (message.Type)
        {
            case ClusterMessageType.Broadcast when message.RequestId is null:
            {
                // [uid, packet (with nsp), opts] in msgpack, on the room channel when there is exactly one room (§4).
                var options = ClusterFormats.OptionsFromJson(data["opts"]);
                var payload = new JArray(Uid, WithNamespace(data["packet"]), data["opts"] ?? new JObject());
                var channel = options.Rooms.Count == 1 ? _channels.Room(options.Rooms.First()) : _channels.BroadcastBase;
                return PublishRawAsync(channel, NotepackWriter.Encode(payload));
            }

            case ClusterMessageType.Broadcast:
                // BROADCAST (7), msgpack, always on the request channel (§5.2).
                return PublishRawAsync(_channels.Request, NotepackWriter.Encode(new JObject
                {
                    ["uid"] = Uid,
                    ["requestId"] = message.RequestId,
                    ["type"] = ClassicRequestType.Broadcast,
                    ["packet"] = WithNamespace(data["packet"]),
                    ["opts"] = data["opts"],
                }));
            case ClusterMessageType.SocketsJoin:
            case ClusterMessageType.SocketsLeave:
                return PublishJsonAsync(_channels.Request, new JObject
                {
                    ["uid"] = Uid,
                    ["type"] = message.Type == ClusterMessageType.SocketsJoin ? ClassicRequestType.RemoteJoin : ClassicRequestType.RemoteLeave,
                    ["opts"] = RoomsAndExcept(data["opts"]),
                    ["rooms"] = data["rooms"],
                });
            case ClusterMessageType.DisconnectSockets:
                return PublishJsonAsync(_channels.Request, new JObject
                {
                    ["uid"] = Uid,
                    ["type"] = ClassicRequestType.RemoteDisconnect,
                    ["opts"] = RoomsAndExcept(data["opts"]),
                    ["close"] = data["close"],
                });
            case ClusterMessageType.FetchSockets:
                return PublishJsonAsync(_channels.Request, new JObject
                {
                    ["uid"] = Uid,
                    ["requestId"] = message.RequestId,
                    ["type"] = ClassicRequestType.RemoteFetch,
                    ["opts"] = RoomsAndExcept(data["opts"]),
                });
            case ClusterMessageType.ServerSideEmit:
            {
                var request = new JObject { ["uid"] = Uid };
                if (message.RequestId is { } id)
                {
                    request["requestId"] = id;
                }

                request["type"] = ClassicRequestType.ServerSideEmit;
                request["data"] = data["packet"];
                return PublishJsonAsync(_channels.Request, request);
            }

            default:
                return Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    protected override Task PublishResponseAsync(string requesterUid, ClusterMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var data = response.Data ?? new JObject();
        var channel = _options.PublishOnSpecificResponseChannel && !string.IsNullOrEmpty(requesterUid)
            ? _channels.SpecificResponse(requesterUid)
            : _channels.Response;
        switch (response.Type)
        {
            case ClusterMessageType.FetchSocketsResponse:
                return PublishJsonAsync(channel, new JObject { ["requestId"] = data["requestId"], ["sockets"] = data["sockets"] });
            case ClusterMessageType.ServerSideEmitResponse:
                // Always the shared channel, whatever publishOnSpecificResponseChannel says (redis-wire §11 item 2).
                return PublishJsonAsync(_channels.Response, new JObject
                {
                    ["type"] = ClassicRequestType.ServerSideEmit,
                    ["requestId"] = data["requestId"],
                    ["data"] = data["packet"],
                });
            case ClusterMessageType.BroadcastClientCount:
                return PublishJsonAsync(channel, new JObject
                {
                    ["type"] = ClassicRequestType.BroadcastClientCount,
                    ["requestId"] = data["requestId"],
                    ["clientCount"] = data["clientCount"],
                });
            case ClusterMessageType.BroadcastAck:
                return PublishRawAsync(channel, NotepackWriter.Encode(new JObject
                {
                    ["type"] = ClassicRequestType.BroadcastAck,
                    ["requestId"] = data["requestId"],
                    ["packet"] = data["packet"],
                }));
            default:
                return Task.CompletedTask;
        }
    }

    private Task PublishJsonAsync(string channel, JObject message) => PublishRawAsync(channel, JsJson.Serialize(message));

    private JObject WithNamespace(JToken? packet)
    {
        var result = packet is JObject obj ? (JObject)obj.DeepClone() : new JObject();
        result["nsp"] = Namespace.Name;
        return result;
    }

    /// <summary>Classic requests carry <c>{rooms, except}</c> only (redis-wire §5.2).</summary>
    private static JObject RoomsAndExcept(JToken? opts) => new()
    {
        ["rooms"] = opts?["rooms"] ?? new JArray(),
        ["except"] = opts?["except"] ?? new JArray(),
    };

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Ignored a malformed Redis message on channel {Channel}: {Reason}")]
    private static partial void LogBadMessage(ILogger logger, string channel, string reason);
}
