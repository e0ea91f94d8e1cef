using Microsoft.Extensions.Logging;

namespace SocketIo.Server.Adapters;

/// <summary>
/// A cluster adapter that learns the other nodes from their messages instead of asking the transport (Node:
/// socket.io-adapter's <c>ClusterAdapterWithHeartbeat</c>, which its Postgres, MongoDB and Redis Streams adapters
/// use): a node announces itself with <c>INITIAL_HEARTBEAT</c>, sends a <c>HEARTBEAT</c> whenever it has been quiet
/// for <see cref="ClusterAdapterWithHeartbeatOptions.HeartbeatInterval"/>, and says <c>ADAPTER_CLOSE</c> when it
/// leaves; one silent for longer than <see cref="ClusterAdapterWithHeartbeatOptions.HeartbeatTimeout"/> is counted
/// as gone. The server count is 1 + the nodes seen, and requests wait for exactly those nodes.
/// </summary>
public abstract class ClusterAdapterWithHeartbeat : ClusterAdapter
{
    /// <summary>The uid of socket.io's emitter packages, which send but are not nodes (Node: <c>EMITTER_UID</c>).</summary>
    public const string EmitterUid = "emitter";

    // socket.io-adapter checks for silent nodes every second.
    private static readonly TimeSpan CleanupPeriod = TimeSpan.FromSeconds(1);

    private readonly object _sync = new();
    private readonly Dictionary<string, long> _lastSeen = new(StringComparer.Ordinal);
    private readonly ClusterAdapterWithHeartbeatOptions _options;
    private ITimer? _heartbeat;
    private ITimer? _cleanup;
    private bool _closed;

    /// <summary>Creates the adapter with this node's uid for the namespace.</summary>
    protected ClusterAdapterWithHeartbeat(IAdapterNamespace nsp, string uid, ClusterAdapterWithHeartbeatOptions? options = null, ILogger? logger = null)
        : base(nsp, uid, options ??= new ClusterAdapterWithHeartbeatOptions(), logger)
    {
        _options = options;
    }

    /// <summary>The other nodes seen and not yet counted as gone.</summary>
    protected override IReadOnlyCollection<string>? KnownNodes
    {
        get
        {
            lock (_sync)
            {
                return _lastSeen.Keys.ToArray();
            }
        }
    }

    /// <summary>
    /// Announces this node (Node: <c>init()</c>). A transport that derives from this adapter starts its subscription
    /// first, then calls this.
    /// </summary>
    public override Task InitAsync(CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            _cleanup ??= Namespace.TimeProvider.CreateTimer(static s => ((ClusterAdapterWithHeartbeat)s!).RemoveSilentNodes(), this, CleanupPeriod, CleanupPeriod);
        }

        PublishMessage(Control(ClusterMessageType.InitialHeartbeat));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task<int> ServerCountAsync(CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            return Task.FromResult(1 + _lastSeen.Count);
        }
    }

    /// <summary>Every message this node sends postpones its next heartbeat: only a quiet node needs one.</summary>
    protected override void OnPublishing(ClusterMessage message)
    {
        lock (_sync)
        {
            if (_closed)
            {
                return;
            }

            if (_heartbeat is null)
            {
                _heartbeat = Namespace.TimeProvider.CreateTimer(static s => ((ClusterAdapterWithHeartbeat)s!).SendHeartbeat(), this, _options.HeartbeatInterval, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _heartbeat.Change(_options.HeartbeatInterval, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Tracks the sender, answers an announcement, forgets a node that leaves; the rest goes to the cluster protocol.</summary>
    protected override void OnMessage(ClusterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Uid == Uid || message.Nsp != Namespace.Name)
        {
            return;
        }

        if (message.Uid is { } sender && sender != EmitterUid)
        {
            lock (_sync)
            {
                _lastSeen[sender] = Namespace.TimeProvider.GetTimestamp();
            }
        }

        switch (message.Type)
        {
            case ClusterMessageType.InitialHeartbeat:
                PublishMessage(Control(ClusterMessageType.Heartbeat));
                break;
            case ClusterMessageType.Heartbeat:
                break;
            case ClusterMessageType.AdapterClose when message.Uid is { } leaving:
                RemoveNode(leaving);
                break;
            default:
                base.OnMessage(message);
                break;
        }
    }

    /// <summary>Says goodbye (Node: <c>ADAPTER_CLOSE</c>), so the others stop waiting for this node at once.</summary>
    public override async ValueTask CloseAsync()
    {
        bool first;
        lock (_sync)
        {
            first = !_closed;
            _closed = true;
        }

        if (first)
        {
            PublishMessage(Control(ClusterMessageType.AdapterClose));
            lock (_sync)
            {
                _heartbeat?.Dispose();
                _cleanup?.Dispose();
            }
        }

        await base.CloseAsync().ConfigureAwait(false);
    }

    private ClusterMessage Control(ClusterMessageType type) => new(type, null, Uid, Namespace.Name);

    private void SendHeartbeat()
    {
        lock (_sync)
        {
            if (_closed)
            {
                return;
            }
        }

        PublishMessage(Control(ClusterMessageType.Heartbeat));
    }

    private void RemoveSilentNodes()
    {
        List<string>? silent = null;
        lock (_sync)
        {
            foreach (var (uid, seen) in _lastSeen)
            {
                if (Namespace.TimeProvider.GetElapsedTime(seen) > _options.HeartbeatTimeout)
                {
                    (silent ??= new()).Add(uid);
                }
            }
        }

        foreach (var uid in silent ?? [])
        {
            ClusterAdapterLog.NodeSeemsDown(Logger, Namespace.Name, uid);
            RemoveNode(uid);
        }
    }

    private void RemoveNode(string uid)
    {
        lock (_sync)
        {
            _lastSeen.Remove(uid);
        }

        ForgetNode(uid);
    }
}
