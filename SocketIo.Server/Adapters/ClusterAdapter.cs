using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Server.Adapters;

/// <summary>
/// The cluster protocol of socket.io-adapter's <c>ClusterAdapter</c> (cluster-adapter.ts, redis-wire §8): every
/// broadcast and bulk operation is published to the other nodes and applied locally; requests (fetchSockets,
/// serverSideEmit with ack, broadcast acks) are tracked with ids and timeouts. A transport (Redis classic or
/// sharded, an in-process bus) only implements <see cref="PublishAsync"/>, <see cref="PublishResponseAsync"/> and
/// <see cref="SocketIoAdapter.ServerCountAsync"/>, and feeds what it receives to <see cref="OnMessage(ClusterMessage)"/>.
/// </summary>
public abstract class ClusterAdapter : InMemoryAdapter
{
    private readonly ConcurrentDictionary<string, PendingRequest> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AckRequest> _ackRequests = new(StringComparer.Ordinal);

    /// <summary>Creates the adapter with this node's uid for the namespace.</summary>
    protected ClusterAdapter(IAdapterNamespace nsp, string uid, ClusterAdapterOptions? options = null, ILogger? logger = null)
        : base(nsp)
    {
        ArgumentException.ThrowIfNullOrEmpty(uid);
        Uid = uid;
        Options = options ?? new ClusterAdapterOptions();
        Logger = logger ?? NullLogger.Instance;
        _metrics = new ClusterAdapterMetrics(Options.MeterFactory, GetType().Name);
        _outageLog = new PublishOutageLog(Logger, nsp.Name, nsp.TimeProvider, TimeSpan.FromSeconds(10));
    }

    private readonly ClusterAdapterMetrics _metrics;

    // One warning per outage, then a summary per 10 s and one line at the end, not a stack trace per lost message.
    private readonly PublishOutageLog _outageLog;

    /// <summary>This adapter's id in the cluster (one per namespace per server).</summary>
    public string Uid { get; }

    /// <summary>The settings.</summary>
    protected ClusterAdapterOptions Options { get; }

    /// <summary>Where problems with cluster messages are reported.</summary>
    protected ILogger Logger { get; }

    /// <summary>Whether <paramref name="requestId"/> is a request or broadcast-ack request this node started.</summary>
    protected bool IsOwnRequest(string? requestId) =>
        requestId is not null && (_requests.ContainsKey(requestId) || _ackRequests.ContainsKey(requestId));

    /// <summary>The type of a pending request this node started, if any.</summary>
    protected ClusterMessageType? PendingRequestType(string requestId) =>
        _requests.TryGetValue(requestId, out var r) ? r.Type : _ackRequests.ContainsKey(requestId) ? ClusterMessageType.Broadcast : null;

    /// <summary>A new request id (Node's ClusterAdapter: 8 random bytes as hex).</summary>
    protected virtual string NewRequestId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// Sends a message to every other node (Node: <c>doPublish</c>). Called in the order of the operations, never
    /// awaited before the next one: an implementation must hand the message to its transport before it returns (a
    /// Redis command issued on one connection keeps its place), so that the cluster sees one sender's messages in call
    /// order. The task only reports the outcome. While the transport is known to be down it should fail at once
    /// (with <see cref="SocketIoClusterUnavailableException"/>) rather than queue.
    /// </summary>
    protected abstract Task PublishAsync(ClusterMessage message, CancellationToken cancellationToken = default);

    /// <summary>Sends a response to the node that asked (Node: <c>doPublishResponse</c>); same rules as <see cref="PublishAsync"/>.</summary>
    protected abstract Task PublishResponseAsync(string requesterUid, ClusterMessage response, CancellationToken cancellationToken = default);

    /// <summary>
    /// Called before every message this node sends, responses included (a heartbeat-based adapter counts each as a
    /// sign of life and postpones its next heartbeat, as Node's <c>ClusterAdapterWithHeartbeat.publish</c> does).
    /// </summary>
    protected virtual void OnPublishing(ClusterMessage message)
    {
    }

    /// <summary>
    /// Sends a message of the adapter's own to every other node, the way every operation's message is sent: in call
    /// order, never awaited, failures reported by the outage log (heartbeats, <c>ADAPTER_CLOSE</c>).
    /// </summary>
    protected void PublishMessage(ClusterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Publish(message);
    }

    /// <summary>
    /// The nodes a request waits for, by uid, when the adapter knows them (a heartbeat-based adapter does); null
    /// (the default) waits for <c>ServerCountAsync() - 1</c> answers from whoever sends them.
    /// </summary>
    protected virtual IReadOnlyCollection<string>? KnownNodes => null;

    /// <summary>
    /// A node is gone (it said so, or its heartbeats stopped): requests stop waiting for it, and one that waited only
    /// for it completes now (Node: <c>ClusterAdapterWithHeartbeat.removeNode</c>).
    /// </summary>
    protected void ForgetNode(string uid)
    {
        foreach (var (requestId, request) in _requests)
        {
            bool done;
            lock (request)
            {
                done = request.Missing?.Remove(uid) == true && request.Missing.Count == 0;
            }

            if (done && _requests.TryRemove(requestId, out _))
            {
                request.Finish();
            }
        }
    }

    /// <summary>
    /// Issues a publish and returns without waiting for it: local delivery never waits for the cluster
    /// (socket.io-adapter 2.5.7+ never lets a failed publish prevent local delivery either). A failure is reported
    /// through <paramref name="onFailure"/> and the outage log.
    /// </summary>
    private void Publish(ClusterMessage message, string? requesterUid = null, Action<Exception>? onFailure = null)
    {
        OnPublishing(message);
        var sequence = _outageLog.NextSequence();
        Task task;
        try
        {
            task = requesterUid is null ? PublishAsync(message) : PublishResponseAsync(requesterUid, message);
        }
        catch (Exception ex)
        {
            task = Task.FromException(ex);
        }

        if (task.IsCompletedSuccessfully)
        {
            Published(sequence);
            return;
        }

        _ = ObservePublishAsync(task, sequence, message.Type, onFailure);
    }

    private async Task ObservePublishAsync(Task publish, long sequence, ClusterMessageType type, Action<Exception>? onFailure)
    {
        try
        {
            await publish.ConfigureAwait(false);
            Published(sequence);
        }
        catch (Exception ex)
        {
            _metrics.PublishFailed();
            _outageLog.Failed(sequence, (int)type, ex);
            onFailure?.Invoke(ex);
        }
    }

    private void Published(long sequence)
    {
        _metrics.Published();
        _outageLog.Succeeded(sequence);
    }

    /// <inheritdoc />
    public override ValueTask BroadcastAsync(SocketIoPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(options);
        // Local delivery first and synchronously, the publish issued right after without waiting for it: one
        // sender's broadcasts reach this server's clients in call order even though its handlers run concurrently,
        // and a Redis outage cannot hold them up.
        var message = options.Flags.Local ? null : ClusterMessages.Broadcast(Uid, Namespace.Name, packet, options);
        if (message is not null && UsesTransportOffsets && CarriesOffset(packet, options))
        {
            return DeliverAfterPublishAsync(message, packet, options);
        }

        var local = base.BroadcastAsync(packet, options);
        if (message is not null)
        {
            Publish(message);
        }

        return local;
    }

    /// <summary>
    /// Whether the transport gives every published broadcast its offset for connection state recovery (a Redis
    /// stream entry id): then a broadcast that carries one (<see cref="CarriesOffset"/>) is delivered locally only
    /// once <see cref="PublishWithOffsetAsync"/> has returned it, as Node's <c>ClusterAdapter.broadcast</c> awaits
    /// <c>publishAndReturnOffset</c>, so that every server appends the same offset. Off by default: local first.
    /// </summary>
    protected virtual bool UsesTransportOffsets => false;

    /// <summary>
    /// Publishes like <see cref="PublishAsync"/> and returns the offset the transport gave the message, or null
    /// (Node: <c>doPublish</c>'s result). Only called when <see cref="UsesTransportOffsets"/> is true.
    /// </summary>
    protected virtual async Task<string?> PublishWithOffsetAsync(ClusterMessage message)
    {
        await PublishAsync(message).ConfigureAwait(false);
        return null;
    }

    /// <summary>An event without ack and not volatile: what recovery replays (cluster-adapter.ts addOffsetIfNecessary).</summary>
    protected static bool CarriesOffset(SocketIoPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(options);
        return packet.Type is SocketIoPacketType.Event or SocketIoPacketType.BinaryEvent && packet.Id is null && !options.Flags.Volatile && packet.Data is JArray;
    }

    private readonly object _offsetOrder = new();
    private Task _offsetDeliveries = Task.CompletedTask;

    /// <summary>
    /// The publish is issued now, in call order; local delivery waits for its offset and for the delivery before it,
    /// so one sender's broadcasts still reach local clients in call order. A failed publish is delivered without an
    /// offset (Node catches and broadcasts locally anyway).
    /// </summary>
    private ValueTask DeliverAfterPublishAsync(ClusterMessage message, SocketIoPacket packet, BroadcastOptions options)
    {
        lock (_offsetOrder)
        {
            OnPublishing(message);
            var sequence = _outageLog.NextSequence();
            Task<string?> publish;
            try
            {
                publish = PublishWithOffsetAsync(message);
            }
            catch (Exception ex)
            {
                publish = Task.FromException<string?>(ex);
            }

            _offsetDeliveries = DeliverWhenPublishedAsync(_offsetDeliveries, publish, sequence, message.Type, packet, options);
            return new ValueTask(_offsetDeliveries);
        }
    }

    private async Task DeliverWhenPublishedAsync(Task previous, Task<string?> publish, long sequence, ClusterMessageType type, SocketIoPacket packet, BroadcastOptions options)
    {
        await previous.ConfigureAwait(false);
        string? offset = null;
        try
        {
            offset = await publish.ConfigureAwait(false);
            Published(sequence);
        }
        catch (Exception ex)
        {
            _metrics.PublishFailed();
            _outageLog.Failed(sequence, (int)type, ex);
        }

        try
        {
            Deliver(OutgoingPacket.Create(packet with { Namespace = Namespace.Name }, options.Flags, offset), options);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ClusterAdapterLog.BadMessage(Logger, (int)type, Namespace.Name, ex);
        }
    }

    /// <inheritdoc />
    public override ValueTask BroadcastWithAckAsync(SocketIoPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JToken?> ack)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(options);
        ClusterMessage? message = null;
        if (!options.Flags.Local)
        {
            var requestId = NewRequestId();
            var request = new AckRequest(clientCount, ack);
            _ackRequests[requestId] = request;
            // The ack map entry lives as long as the emit's timeout (cluster-adapter.ts broadcastWithAck).
            request.Expiry = Namespace.TimeProvider.CreateTimer(
                static s => ((ClusterAdapter)((object[])s!)[0])._ackRequests.TryRemove((string)((object[])s!)[1], out _),
                new object[] { this, requestId },
                options.Flags.Timeout ?? Options.RequestsTimeout,
                Timeout.InfiniteTimeSpan);
            message = ClusterMessages.Broadcast(Uid, Namespace.Name, packet, options, requestId);
        }

        var local = base.BroadcastWithAckAsync(packet, options, clientCount, ack);
        if (message is not null)
        {
            Publish(message);
        }

        return local;
    }

    /// <inheritdoc />
    public override ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rooms);
        return ApplyLocallyThenPublishAsync(
            base.AddSocketsAsync(options, rooms),
            options.Flags.Local ? null : ClusterMessages.SocketsJoinOrLeave(Uid, Namespace.Name, join: true, options, rooms));
    }

    /// <inheritdoc />
    public override ValueTask DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rooms);
        return ApplyLocallyThenPublishAsync(
            base.DelSocketsAsync(options, rooms),
            options.Flags.Local ? null : ClusterMessages.SocketsJoinOrLeave(Uid, Namespace.Name, join: false, options, rooms));
    }

    /// <inheritdoc />
    public override ValueTask DisconnectSocketsAsync(BroadcastOptions options, bool close)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ApplyLocallyThenPublishAsync(
            base.DisconnectSocketsAsync(options, close),
            options.Flags.Local ? null : ClusterMessages.DisconnectSockets(Uid, Namespace.Name, options, close));
    }

    /// <summary>
    /// The local part of a bulk operation has been started (it completes synchronously for sockets whose join, leave
    /// or disconnect does no I/O); the publish is issued right after it, in call order, and never awaited.
    /// </summary>
    private ValueTask ApplyLocallyThenPublishAsync(ValueTask local, ClusterMessage? message)
    {
        if (message is not null)
        {
            Publish(message);
        }

        return local;
    }

    /// <inheritdoc />
    public override async ValueTask<IReadOnlyList<SocketDetails>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var local = await base.FetchSocketsAsync(options, cancellationToken).ConfigureAwait(false);
        if (options.Flags.Local)
        {
            return local;
        }

        var known = KnownNodes?.ToArray();
        var expected = known?.Length ?? await ServerCountAsync(cancellationToken).ConfigureAwait(false) - 1;
        if (expected <= 0)
        {
            return local;
        }

        var requestId = NewRequestId();
        var request = new PendingRequest(ClusterMessageType.FetchSockets, expected, known);
        request.Sockets.AddRange(local);
        var result = Track(requestId, request, options.Flags.Timeout ?? Options.RequestsTimeout, cancellationToken);
        PublishRequest(ClusterMessages.FetchSockets(Uid, Namespace.Name, options, requestId), requestId);
        await result.ConfigureAwait(false);
        lock (request)
        {
            return request.Sockets.ToArray();
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<JToken?>> ServerSideEmitAsync(JArray args, bool withAck, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!withAck)
        {
            Publish(ClusterMessages.ServerSideEmit(Uid, Namespace.Name, args));
            return Array.Empty<JToken?>();
        }

        var known = KnownNodes?.ToArray();
        var expected = known?.Length ?? await ServerCountAsync(cancellationToken).ConfigureAwait(false) - 1;
        if (expected <= 0)
        {
            return Array.Empty<JToken?>();
        }

        var requestId = NewRequestId();
        var request = new PendingRequest(ClusterMessageType.ServerSideEmit, expected, known);
        var result = Track(requestId, request, Options.RequestsTimeout, cancellationToken);
        PublishRequest(ClusterMessages.ServerSideEmit(Uid, Namespace.Name, args, requestId), requestId);
        await result.ConfigureAwait(false);
        lock (request)
        {
            return request.Responses.ToArray();
        }
    }

    /// <summary>A request that could not be published fails at once: no other server will ever answer it.</summary>
    private void PublishRequest(ClusterMessage message, string requestId) =>
        Publish(message, onFailure: error =>
        {
            if (_requests.TryRemove(requestId, out var pending))
            {
                pending.Fail(new SocketIoClusterUnavailableException($"The cluster request (type {(int)message.Type}) could not be published: {error.Message}", error));
            }
        });

    private Task Track(string requestId, PendingRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _requests[requestId] = request;
        request.Timer = Namespace.TimeProvider.CreateTimer(
            static s =>
            {
                var (adapter, id) = ((ClusterAdapter, string))s!;
                if (adapter._requests.TryRemove(id, out var pending))
                {
                    adapter._metrics.RequestTimedOut();
                    pending.TimeOut();
                }
            },
            (this, requestId),
            timeout,
            Timeout.InfiniteTimeSpan);
        if (cancellationToken.CanBeCanceled)
        {
            request.Registration = cancellationToken.Register(() =>
            {
                if (_requests.TryRemove(requestId, out var pending))
                {
                    pending.Cancel(cancellationToken);
                }
            });
        }

        return request.Completion.Task;
    }

    /// <summary>
    /// Handles a message from another node (Node: <c>ClusterAdapter.onMessage</c>). Own messages and other
    /// namespaces are ignored; responses go to <see cref="OnResponse"/>. Malformed data is logged, never thrown.
    /// </summary>
    protected virtual void OnMessage(ClusterMessage message) => OnMessage(message, null);

    /// <summary>
    /// Handles a message that the transport gave an offset (a stream entry id): a broadcast that carries one is
    /// delivered with it as its last argument, when <see cref="UsesTransportOffsets"/> (Node: <c>onMessage(message, offset)</c>).
    /// </summary>
    protected void OnMessage(ClusterMessage message, string? offset)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Uid == Uid || message.Nsp != Namespace.Name)
        {
            return;
        }

        if (message.Type is not (ClusterMessageType.FetchSocketsResponse or ClusterMessageType.ServerSideEmitResponse
            or ClusterMessageType.BroadcastClientCount or ClusterMessageType.BroadcastAck))
        {
            // Responses are counted by OnResponse, wherever they arrive.
            _metrics.Received();
        }

        try
        {
            Dispatch(message, offset);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ClusterAdapterLog.BadMessage(Logger, (int)message.Type, Namespace.Name, ex);
        }
    }

    private void Dispatch(ClusterMessage message, string? offset)
    {
        var data = message.Data;
        switch (message.Type)
        {
            case ClusterMessageType.Broadcast when data is not null:
                OnRemoteBroadcast(message, data, offset);
                break;
            case ClusterMessageType.SocketsJoin when data is not null:
                _ = RunLocalAsync(base.AddSocketsAsync(ClusterFormats.OptionsFromJson(data["opts"]), ClusterFormats.RoomSet(data["rooms"])));
                break;
            case ClusterMessageType.SocketsLeave when data is not null:
                _ = RunLocalAsync(base.DelSocketsAsync(ClusterFormats.OptionsFromJson(data["opts"]), ClusterFormats.RoomSet(data["rooms"])));
                break;
            case ClusterMessageType.DisconnectSockets when data is not null:
                _ = RunLocalAsync(base.DisconnectSocketsAsync(ClusterFormats.OptionsFromJson(data["opts"]), data["close"] is { Type: JTokenType.Boolean } c && (bool)c));
                break;
            case ClusterMessageType.FetchSockets when data is not null && message.RequestId is { } fetchId && message.Uid is { } fetcher:
                _ = AnswerFetchAsync(fetcher, fetchId, ClusterFormats.OptionsFromJson(data["opts"]));
                break;
            case ClusterMessageType.ServerSideEmit when (data?["packet"] is JArray packet):
                OnRemoteServerSideEmit(message, packet);
                break;
            case ClusterMessageType.FetchSocketsResponse:
            case ClusterMessageType.ServerSideEmitResponse:
            case ClusterMessageType.BroadcastClientCount:
            case ClusterMessageType.BroadcastAck:
                OnResponse(message);
                break;
            default:
                // Heartbeats, ADAPTER_CLOSE, unknown types and malformed messages are ignored.
                break;
        }
    }

    private void OnRemoteBroadcast(ClusterMessage message, JObject data, string? offset)
    {
        if (ClusterFormats.PacketFromJson(data["packet"], Namespace.Name) is not { } packet)
        {
            ClusterAdapterLog.BadMessage(Logger, (int)message.Type, Namespace.Name, null);
            return;
        }

        packet = packet with { Namespace = Namespace.Name };
        var options = ClusterFormats.OptionsFromJson(data["opts"]);
        if (message.RequestId is { } requestId && message.Uid is { } requester)
        {
            _ = RunLocalAsync(base.BroadcastWithAckAsync(
                packet,
                options,
                count => Publish(ClusterMessages.BroadcastClientCount(Uid, Namespace.Name, requestId, count), requester),
                arg => Publish(ClusterMessages.BroadcastAck(Uid, Namespace.Name, requestId, arg), requester)));
        }
        else if (offset is not null && UsesTransportOffsets && CarriesOffset(packet, options))
        {
            Deliver(OutgoingPacket.Create(packet, options.Flags, offset), options);
        }
        else
        {
            _ = RunLocalAsync(base.BroadcastAsync(packet, options));
        }
    }

    private void OnRemoteServerSideEmit(ClusterMessage message, JArray packet)
    {
        if (message.RequestId is not { } requestId || message.Uid is not { } requester)
        {
            Namespace.OnServerSideEmit(packet, null);
            return;
        }

        Namespace.OnServerSideEmit(packet, arg => Publish(ClusterMessages.ServerSideEmitResponse(Uid, Namespace.Name, requestId, arg), requester));
    }

    private async Task AnswerFetchAsync(string requester, string requestId, BroadcastOptions options)
    {
        try
        {
            var local = await base.FetchSocketsAsync(options).ConfigureAwait(false);
            Publish(ClusterMessages.FetchSocketsResponse(Uid, Namespace.Name, requestId, local), requester);
        }
        catch (Exception ex)
        {
            ClusterAdapterLog.BadMessage(Logger, (int)ClusterMessageType.FetchSockets, Namespace.Name, ex);
        }
    }

    private async Task RunLocalAsync(ValueTask work)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ClusterAdapterLog.BadMessage(Logger, 0, Namespace.Name, ex);
        }
    }

    /// <summary>Handles a response to one of this node's requests (Node: <c>ClusterAdapter.onResponse</c>).</summary>
    protected void OnResponse(ClusterMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        _metrics.Received();
        if (response.RequestId is not { } requestId || response.Data is not { } data)
        {
            return;
        }

        switch (response.Type)
        {
            case ClusterMessageType.BroadcastClientCount when _ackRequests.TryGetValue(requestId, out var countRequest):
                countRequest.ClientCount(data["clientCount"] is { Type: JTokenType.Integer or JTokenType.Float } n ? (int)(double)n : 0);
                break;
            case ClusterMessageType.BroadcastAck when _ackRequests.TryGetValue(requestId, out var ackRequest):
                ackRequest.Ack(data["packet"]);
                break;
            case ClusterMessageType.FetchSocketsResponse when _requests.TryGetValue(requestId, out var fetch) && fetch.Type == ClusterMessageType.FetchSockets:
                var sockets = new List<SocketDetails>();
                if (data["sockets"] is JArray list)
                {
                    foreach (var item in list)
                    {
                        if (ClusterFormats.SocketFromJson(item) is { } details)
                        {
                            sockets.Add(details);
                        }
                    }
                }

                Complete(requestId, fetch, response.Uid, r => r.Sockets.AddRange(sockets));
                break;
            case ClusterMessageType.ServerSideEmitResponse when _requests.TryGetValue(requestId, out var sse) && sse.Type == ClusterMessageType.ServerSideEmit:
                Complete(requestId, sse, response.Uid, r => r.Responses.Add(data["packet"]));
                break;
        }
    }

    private void Complete(string requestId, PendingRequest request, string? responder, Action<PendingRequest> add)
    {
        bool done;
        lock (request)
        {
            // A request that knows its nodes takes one answer from each of them, and none from anyone else.
            if (request.Missing is { } missing && (responder is null || !missing.Remove(responder)))
            {
                return;
            }

            add(request);
            request.Current++;
            done = request.Missing is { } left ? left.Count == 0 : request.Current == request.Expected;
        }

        if (done && _requests.TryRemove(requestId, out _))
        {
            request.Finish();
        }
    }

    /// <inheritdoc />
    public override ValueTask CloseAsync()
    {
        foreach (var id in _requests.Keys)
        {
            if (_requests.TryRemove(id, out var pending))
            {
                pending.TimeOut();
            }
        }

        foreach (var id in _ackRequests.Keys)
        {
            if (_ackRequests.TryRemove(id, out var ack))
            {
                ack.Expiry?.Dispose();
            }
        }

        return base.CloseAsync();
    }

    private sealed class AckRequest(Action<int> clientCount, Action<JToken?> ack)
    {
        public Action<int> ClientCount { get; } = clientCount;
        public Action<JToken?> Ack { get; } = ack;
        public ITimer? Expiry { get; set; }
    }

    private sealed class PendingRequest(ClusterMessageType type, int expected, IEnumerable<string>? nodes = null)
    {
        public ClusterMessageType Type { get; } = type;
        public int Expected { get; } = expected;
        public HashSet<string>? Missing { get; } = nodes is null ? null : new HashSet<string>(nodes, StringComparer.Ordinal);
        public int Current { get; set; }
        public List<SocketDetails> Sockets { get; } = new();
        public List<JToken?> Responses { get; } = new();
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ITimer? Timer { get; set; }
        public CancellationTokenRegistration Registration { get; set; }

        public void Finish()
        {
            Timer?.Dispose();
            Registration.Dispose();
            Completion.TrySetResult();
        }

        public void TimeOut()
        {
            Timer?.Dispose();
            Registration.Dispose();
            JToken?[] partial;
            string message;
            lock (this)
            {
                partial = Responses.ToArray();
                // cluster-adapter.ts: "timeout reached: only X responses received out of Y"; with known nodes (the
                // heartbeat adapter) "timeout reached: missing N responses".
                message = Missing is { } missing
                    ? $"timeout reached: missing {missing.Count} responses"
                    : $"timeout reached: only {Current} responses received out of {Expected}";
            }

            Completion.TrySetException(new SocketIoTimeoutException(message, partial));
        }

        public void Cancel(CancellationToken token)
        {
            Timer?.Dispose();
            Completion.TrySetCanceled(token);
        }

        public void Fail(Exception error)
        {
            Timer?.Dispose();
            Registration.Dispose();
            Completion.TrySetException(error);
        }
    }
}
