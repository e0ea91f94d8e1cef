using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIo.Server;
using SocketIo.Server.Adapters;

namespace SocketIo.Tests.ExternalAdapters;

/// <summary>
/// A test-only cluster transport: several <see cref="SocketIo.Server.SocketIoServer"/> instances in one process
/// share one in-memory bus. Each server gets its adapters from <see cref="AdapterFactory"/>; a published message
/// reaches every other member of the same namespace, a response reaches only the requester, each member
/// handles what it receives in order on its own pump (as a Redis subscription queue does), and the server count
/// is the number of members of the namespace (as <c>PUBSUB NUMSUB</c> of the request channel is).
/// </summary>
public sealed class InProcessCluster
{
    private readonly object _sync = new();
    private readonly List<IMember> _members = [];
    private readonly HashSet<SocketIoAdapter> _silenced = [];
    private readonly HashSet<SocketIoAdapter> _muted = [];
    private readonly List<(string? Uid, ClusterMessageType Type)> _published = [];
    private List<TaskCompletionSource>? _heldCompletions;
    private int _nextUid;

    /// <summary>The adapter factory for one server (<c>options.AdapterFactory = cluster.AdapterFactory()</c>).</summary>
    public Func<IAdapterNamespace, SocketIoAdapter> AdapterFactory(ILogger? logger = null) =>
        nsp => new Member(this, nsp, "node" + Interlocked.Increment(ref _nextUid), logger);

    /// <summary>
    /// The adapter factory for one server whose adapters are <see cref="ClusterAdapterWithHeartbeat"/>s: they count
    /// the cluster from heartbeats, not from the bus's member list (as the Redis Streams adapter does).
    /// </summary>
    public Func<IAdapterNamespace, SocketIoAdapter> HeartbeatAdapterFactory(ClusterAdapterWithHeartbeatOptions? options = null, ILogger? logger = null) =>
        nsp => new HeartbeatMember(this, nsp, "node" + Interlocked.Increment(ref _nextUid), options, logger);

    /// <summary>Publishes fail at once with <see cref="SocketIoClusterUnavailableException"/> and reach nobody (a Redis outage).</summary>
    public bool PublishesFail { get; set; }

    /// <summary>The server count fails with <see cref="SocketIoClusterUnavailableException"/> (PUBSUB NUMSUB during an outage).</summary>
    public bool CountFails { get; set; }

    /// <summary>
    /// From now on a publish still reaches the other members at once and in order (as a Redis command does), but its
    /// task completes only at <see cref="ReleasePublishCompletions"/>: a slow or backlogged transport.
    /// </summary>
    public void HoldPublishCompletions()
    {
        lock (_sync)
        {
            _heldCompletions ??= [];
        }
    }

    /// <summary>Completes the held publish tasks, the last one first (completions need not come in order), and stops holding.</summary>
    public void ReleasePublishCompletions()
    {
        List<TaskCompletionSource>? held;
        lock (_sync)
        {
            held = _heldCompletions;
            _heldCompletions = null;
        }

        for (var i = (held?.Count ?? 0) - 1; i >= 0; i--)
        {
            held![i].TrySetResult();
        }
    }

    private Task PublishOutcome()
    {
        lock (_sync)
        {
            if (_heldCompletions is null)
            {
                return Task.CompletedTask;
            }

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _heldCompletions.Add(completion);
            return completion.Task;
        }
    }

    /// <summary>Members (one per server and namespace) of <paramref name="nsp"/> now.</summary>
    public int MemberCount(string nsp)
    {
        lock (_sync)
        {
            return _members.Count(m => m.Namespace.Name == nsp);
        }
    }

    private void Join(IMember member)
    {
        lock (_sync)
        {
            _members.Add(member);
        }
    }

    private void Leave(IMember member)
    {
        lock (_sync)
        {
            _members.Remove(member);
        }
    }

    /// <summary>
    /// Stops delivering anything to <paramref name="adapter"/> while it still counts as a member: a node that
    /// crashed while its subscriptions linger.
    /// </summary>
    public void Silence(SocketIoAdapter adapter)
    {
        lock (_sync)
        {
            _silenced.Add(adapter);
        }
    }

    /// <summary>Drops everything <paramref name="adapter"/> publishes from now on: a node that went quiet (crashed, partitioned).</summary>
    public void Mute(SocketIoAdapter adapter)
    {
        lock (_sync)
        {
            _muted.Add(adapter);
        }
    }

    /// <summary>The sender and type of every message published on the bus (not responses), in order.</summary>
    public IReadOnlyList<(string? Uid, ClusterMessageType Type)> Published
    {
        get
        {
            lock (_sync)
            {
                return _published.ToArray();
            }
        }
    }

    /// <summary>Completes when every member has handled everything delivered to it before the call.</summary>
    public Task DrainAsync()
    {
        IMember[] members;
        lock (_sync)
        {
            members = _members.ToArray();
        }

        return Task.WhenAll(members.Select(m => m.Link.DrainAsync()));
    }

    private IMember[] Others(IMember sender)
    {
        lock (_sync)
        {
            if (_muted.Contains(sender.Adapter))
            {
                return [];
            }

            return _members.Where(m => m != sender && m.Namespace.Name == sender.Namespace.Name && !_silenced.Contains(m.Adapter)).ToArray();
        }
    }

    private IMember? Find(string uid)
    {
        lock (_sync)
        {
            return _members.FirstOrDefault(m => m.Uid == uid && !_silenced.Contains(m.Adapter));
        }
    }

    private bool IsMuted(IMember member)
    {
        lock (_sync)
        {
            return _muted.Contains(member.Adapter);
        }
    }

    private void Record(IMember sender, ClusterMessage message)
    {
        lock (_sync)
        {
            _published.Add((sender.Uid, message.Type));
        }
    }

    /// <summary>Each message is copied per recipient, as a wire would: no member can see another's objects.</summary>
    private static ClusterMessage Copy(ClusterMessage message) => message with { Data = (Newtonsoft.Json.Linq.JObject?)message.Data?.DeepClone() };

    /// <summary>One server's adapter for one namespace, as the bus sees it.</summary>
    private interface IMember
    {
        string Uid { get; }

        IAdapterNamespace Namespace { get; }

        SocketIoAdapter Adapter { get; }

        Link Link { get; }
    }

    /// <summary>A member's end of the bus: its inbox, drained in order by one pump, and how it publishes.</summary>
    private sealed class Link
    {
        private readonly InProcessCluster _cluster;
        private readonly IMember _owner;
        private readonly Channel<Action> _inbox = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });

        public Link(InProcessCluster cluster, IMember owner, Action<ClusterMessage> onMessage, Action<ClusterMessage> onResponse)
        {
            _cluster = cluster;
            _owner = owner;
            OnMessage = onMessage;
            OnResponse = onResponse;
            _ = Task.Run(PumpAsync);
        }

        private Action<ClusterMessage> OnMessage { get; }

        private Action<ClusterMessage> OnResponse { get; }

        public void Join() => _cluster.Join(_owner);

        public void Leave()
        {
            _cluster.Leave(_owner);
            _inbox.Writer.TryComplete();
        }

        public Task<int> MemberCountAsync() =>
            _cluster.CountFails
                ? Task.FromException<int>(new SocketIoClusterUnavailableException("the in-process bus is down"))
                : Task.FromResult(_cluster.MemberCount(_owner.Namespace.Name));

        public Task PublishAsync(ClusterMessage message)
        {
            if (_cluster.PublishesFail)
            {
                return Task.FromException(new SocketIoClusterUnavailableException("the in-process bus is down"));
            }

            _cluster.Record(_owner, message);
            foreach (var member in _cluster.Others(_owner))
            {
                var copy = Copy(message);
                var link = member.Link;
                link._inbox.Writer.TryWrite(() => link.OnMessage(copy));
            }

            return _cluster.PublishOutcome();
        }

        public Task PublishResponseAsync(string requesterUid, ClusterMessage response)
        {
            if (_cluster.PublishesFail)
            {
                return Task.FromException(new SocketIoClusterUnavailableException("the in-process bus is down"));
            }

            if (_cluster.IsMuted(_owner))
            {
                return Task.CompletedTask;
            }

            if (_cluster.Find(requesterUid) is { } requester)
            {
                var copy = Copy(response);
                var link = requester.Link;
                link._inbox.Writer.TryWrite(() => link.OnResponse(copy));
            }

            return Task.CompletedTask;
        }

        public Task DrainAsync()
        {
            var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_inbox.Writer.TryWrite(drained.SetResult))
            {
                drained.SetResult();
            }

            return drained.Task;
        }

        private async Task PumpAsync()
        {
            await foreach (var work in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                // OnMessage and OnResponse log what they cannot handle; nothing they do may stop the pump.
                work();
            }
        }
    }

    private sealed class Member : ClusterAdapter, IMember
    {
        public Member(InProcessCluster cluster, IAdapterNamespace nsp, string uid, ILogger? logger)
            : base(nsp, uid, logger: logger)
        {
            Link = new Link(cluster, this, OnMessage, OnResponse);
        }

        public Link Link { get; }

        public SocketIoAdapter Adapter => this;

        public override Task InitAsync(CancellationToken cancellationToken = default)
        {
            Link.Join();
            return Task.CompletedTask;
        }

        public override async ValueTask CloseAsync()
        {
            Link.Leave();
            await base.CloseAsync().ConfigureAwait(false);
        }

        public override Task<int> ServerCountAsync(CancellationToken cancellationToken = default) => Link.MemberCountAsync();

        protected override Task PublishAsync(ClusterMessage message, CancellationToken cancellationToken = default) => Link.PublishAsync(message);

        protected override Task PublishResponseAsync(string requesterUid, ClusterMessage response, CancellationToken cancellationToken = default) =>
            Link.PublishResponseAsync(requesterUid, response);
    }

    private sealed class HeartbeatMember : ClusterAdapterWithHeartbeat, IMember
    {
        public HeartbeatMember(InProcessCluster cluster, IAdapterNamespace nsp, string uid, ClusterAdapterWithHeartbeatOptions? options, ILogger? logger)
            : base(nsp, uid, options, logger)
        {
            Link = new Link(cluster, this, OnMessage, OnResponse);
        }

        public Link Link { get; }

        public SocketIoAdapter Adapter => this;

        public override Task InitAsync(CancellationToken cancellationToken = default)
        {
            Link.Join();
            return base.InitAsync(cancellationToken);
        }

        public override async ValueTask CloseAsync()
        {
            // ADAPTER_CLOSE goes out before this member leaves the bus.
            await base.CloseAsync().ConfigureAwait(false);
            Link.Leave();
        }

        protected override Task PublishAsync(ClusterMessage message, CancellationToken cancellationToken = default) => Link.PublishAsync(message);

        protected override Task PublishResponseAsync(string requesterUid, ClusterMessage response, CancellationToken cancellationToken = default) =>
            Link.PublishResponseAsync(requesterUid, response);
    }
}
