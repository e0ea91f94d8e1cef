using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SocketIo.Redis.Streams;
using SocketIo.Server.Adapters;
using StackExchange.Redis;

namespace SocketIo.Redis;

/// <summary>
/// The Redis streams adapter, wire-compatible with Node's @socket.io/redis-streams-adapter 0.3.1: broadcasts and
/// bulk operations are stream entries (<c>XADD</c>, read by one XREAD loop per stream per server), requests and
/// responses msgpack on <c>P#nsp#</c> / <c>P#nsp#uid#</c>, the server count by NUMSUB (or SHARDNUMSUB). With
/// connection state recovery on, each broadcast's offset is its entry id, the same on every server, and sessions
/// live in Redis, so a client may come back to any server of the cluster. No heartbeats, as in 0.3.1.
/// </summary>
public sealed partial class RedisStreamsAdapter : ClusterAdapter
{
    private const int MaxRestoreReads = 100;

    private readonly RedisStreamsHub _hub;
    private readonly RedisStreamsAdapterOptions _options;
    private readonly TimeSpan? _recoveryWindow;
    private readonly string _publicChannel;
    private readonly string _privateChannel;
    private readonly List<ChannelMessageQueue> _queues = new();

    internal RedisStreamsAdapter(IAdapterNamespace nsp, RedisStreamsHub hub, TimeSpan? recoveryWindow, ILogger? logger = null)
        : base(nsp, RedisIds.Hex16(), hub.Options, logger)
    {
        _hub = hub;
        _options = hub.Options;
        _recoveryWindow = recoveryWindow;
        StreamName = StreamsWireFormat.StreamNameFor(nsp.Name, _options.StreamName, _options.StreamCount);
        _publicChannel = $"{_options.ChannelPrefix}#{nsp.Name}#";
        _privateChannel = $"{_options.ChannelPrefix}#{nsp.Name}#{Uid}#";
    }

    /// <summary>The stream this namespace's entries go to.</summary>
    public string StreamName { get; }

    /// <inheritdoc />
    protected override bool UsesTransportOffsets => _recoveryWindow is not null;

    private RedisChannel Channel(string name) => _options.UseShardedPubSub ? RedisChannel.Sharded(name) : RedisChannel.Literal(name);

    /// <summary>
    /// Joins the server's stream readers, then SUBSCRIBEs (or SSUBSCRIBEs) the public and private channels: once other
    /// servers count this one, its readers are reading.
    /// </summary>
    public override async Task InitAsync(CancellationToken cancellationToken = default)
    {
        await _hub.RegisterAsync(this).ConfigureAwait(false);
        var subscriber = (await _hub.Connection.GetAsync().ConfigureAwait(false)).GetSubscriber();
        foreach (var name in new[] { _publicChannel, _privateChannel })
        {
            var queue = await subscriber.SubscribeAsync(Channel(name)).ConfigureAwait(false);
            lock (_queues)
            {
                _queues.Add(queue);
            }

            queue.OnMessage(message => OnChannelMessage(name, (byte[]?)message.Message ?? []));
        }
    }

    private void OnChannelMessage(string channel, byte[] payload)
    {
        try
        {
            if (StreamsWireFormat.DecodeEnvelope(payload, out var error) is { } message)
            {
                OnMessage(message);
            }
            else
            {
                LogBadMessage(Logger, channel, error ?? "undecodable");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogBadMessage(Logger, channel, ex.Message);
        }
    }

    /// <summary>One entry of this namespace's stream, in stream order, from the server's reader.</summary>
    internal void OnStreamEntry(string id, IReadOnlyDictionary<string, string> fields)
    {
        if (StreamsWireFormat.DecodeEntry(fields, out var error) is { } message)
        {
            OnMessage(message, id);
        }
        else if (error is not null)
        {
            LogBadEntry(Logger, StreamName, id, error);
        }
    }

    /// <inheritdoc />
    protected override Task PublishAsync(ClusterMessage message, CancellationToken cancellationToken = default) => PublishWithOffsetAsync(message);

    /// <summary>Ephemeral messages over PUB/SUB (no offset); the others appended to the stream, the entry id being the offset.</summary>
    protected override Task<string?> PublishWithOffsetAsync(ClusterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (StreamsWireFormat.IsEphemeral(message))
        {
            // The PUBLISH is issued here, before returning (call order kept); the task only reports its outcome.
            return WithoutOffsetAsync(_hub.Connection.PublishAsync(Channel(_publicChannel), StreamsWireFormat.EncodeEnvelope(message, Uid)));
        }

        return AddEntryAsync(message);
    }

    private static async Task<string?> WithoutOffsetAsync(Task published)
    {
        await published.ConfigureAwait(false);
        return null;
    }

    private Task<string?> AddEntryAsync(ClusterMessage message)
    {
        if (_hub.Connection.Ready is not { } multiplexer)
        {
            return AddEntryWhenConnectedAsync(message);
        }

        return multiplexer.IsConnected ? XAddAsync(multiplexer, message) : Task.FromException<string?>(RedisConnection.Unreachable());
    }

    private async Task<string?> AddEntryWhenConnectedAsync(ClusterMessage message) =>
        await XAddAsync(await _hub.Connection.GetAsync().ConfigureAwait(false), message).ConfigureAwait(false);

    /// <summary><c>XADD stream MAXLEN ~ maxLen * uid … nsp … type … [data …]</c>, issued before returning (call order kept).</summary>
    private async Task<string?> XAddAsync(IConnectionMultiplexer multiplexer, ClusterMessage message)
    {
        var fields = StreamsWireFormat.EncodeEntry(message, Uid, _options.OnlyPlaintext);
        var args = new List<object>(6 + (fields.Count * 2)) { StreamName, "MAXLEN", "~", _options.MaxLen, "*" };
        foreach (var (name, value) in fields)
        {
            args.Add(name);
            args.Add(value);
        }

        var id = await multiplexer.GetDatabase().ExecuteAsync("XADD", args).ConfigureAwait(false);
        return (string?)id;
    }

    /// <inheritdoc />
    protected override Task PublishResponseAsync(string requesterUid, ClusterMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return _hub.Connection.PublishAsync(Channel($"{_options.ChannelPrefix}#{Namespace.Name}#{requesterUid}#"), StreamsWireFormat.EncodeEnvelope(response, Uid));
    }

    /// <summary>Subscribers of the public channel (PUBSUB NUMSUB, or SHARDNUMSUB), summed over the cluster's primaries.</summary>
    public override Task<int> ServerCountAsync(CancellationToken cancellationToken = default) =>
        _hub.Connection.CountSubscribersAsync(_options.UseShardedPubSub ? "SHARDNUMSUB" : "NUMSUB", _publicChannel);

    /// <summary><c>SET sessionKeyPrefix+pid base64(msgpack({sid, pid, rooms, data})) PX window</c> (adapter.js persistSession).</summary>
    public override async ValueTask PersistSessionAsync(PersistedSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (_recoveryWindow is not { } window)
        {
            return;
        }

        var db = (await _hub.Connection.GetAsync().ConfigureAwait(false)).GetDatabase();
        await db.ExecuteAsync("SET", _options.SessionKeyPrefix + session.Pid, StreamsWireFormat.EncodeSession(session), "PX", (long)window.TotalMilliseconds).ConfigureAwait(false);
    }

    /// <summary>
    /// The session, read and deleted at once (MULTI GET DEL EXEC), if the offset is still in the stream; then every
    /// broadcast of this namespace after it that targeted the session's rooms, each ending with its entry id
    /// (adapter.js restoreSession). Null when either is gone (expired, trimmed) or the value is garbage.
    /// </summary>
    public override async ValueTask<RestoredSession?> RestoreSessionAsync(string pid, string offset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pid);
        ArgumentNullException.ThrowIfNull(offset);
        if (_recoveryWindow is null || !StreamsWireFormat.IsOffset(offset))
        {
            return null;
        }

        var db = (await _hub.Connection.GetAsync().ConfigureAwait(false)).GetDatabase();
        var key = _options.SessionKeyPrefix + pid;
        var transaction = db.CreateTransaction();
        // MULTI GET DEL EXEC, as Node sends it: GETDEL needs Redis 6.2, the streams adapter supports older servers.
#pragma warning disable SER303
        var get = transaction.StringGetAsync(key);
        _ = transaction.KeyDeleteAsync(key);
#pragma warning restore SER303
        var executed = transaction.ExecuteAsync();
        var offsetEntry = db.StreamRangeAsync(StreamName, offset, offset);
        await Task.WhenAll(executed, offsetEntry).ConfigureAwait(false);
        var raw = (string?)await get.ConfigureAwait(false);
        if (raw is null || (await offsetEntry.ConfigureAwait(false)).Length == 0)
        {
            return null;
        }

        if (StreamsWireFormat.DecodeSession(raw, out var error) is not { } session)
        {
            LogBadSession(Logger, key, error ?? "undecodable");
            return null;
        }

        var missed = new List<JArray>();
        var from = offset;
        for (var i = 0; i < MaxRestoreReads; i++)
        {
            var entries = await db.StreamRangeAsync(StreamName, StreamsWireFormat.NextOffset(from), null).ConfigureAwait(false);
            if (entries.Length == 0)
            {
                break;
            }

            foreach (var entry in entries)
            {
                var id = (string)entry.Id!;
                from = id;
                var fields = entry.Values.ToDictionary(v => (string)v.Name!, v => (string?)v.Value ?? string.Empty, StringComparer.Ordinal);
                if (!fields.TryGetValue("nsp", out var nsp) || nsp != Namespace.Name || !fields.TryGetValue("type", out var type) || type != "3")
                {
                    continue;
                }

                if (StreamsWireFormat.DecodeEntry(fields, out var entryError) is not { Data: { } data } || data["packet"]?["data"] is not JArray args)
                {
                    LogBadEntry(Logger, StreamName, id, entryError ?? "not a broadcast");
                    continue;
                }

                if (StreamsWireFormat.ShouldInclude(session.Rooms, data["opts"]))
                {
                    missed.Add(new JArray(args) { id });
                }
            }
        }

        return new RestoredSession(session, missed);
    }

    /// <inheritdoc />
    public override async ValueTask CloseAsync()
    {
        await SubscriptionQueues.UnsubscribeAllAsync(_queues).ConfigureAwait(false);

        await _hub.UnregisterAsync(this).ConfigureAwait(false);
        await base.CloseAsync().ConfigureAwait(false);
    }
}
