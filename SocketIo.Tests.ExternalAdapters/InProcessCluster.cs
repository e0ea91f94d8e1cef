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
    private readonly List<Member> _members = [];
    private readonly HashSet<SocketIoAdapter> _silenced = [];
    private List<TaskCompletionSource>? _heldCompletions;
    private int _nextUid;

    /// <summary>The adapter factory for one server (<c>options.AdapterFactory = cluster.AdapterFactory()</c>).</summary>
    public Func<IAdapterNamespace, SocketIoAdapter> AdapterFactory(ILogger? logger = null) =>
        nsp => new Member(this, nsp, "node" + Interlocked.Increment(ref _nextUid), logger);

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

    private void Join(Member member)
    {
        lock (_sync)
        {
            _members.Add(member);
        }
    }

    private void Leave(Member member)
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

    private Member[] Others(Member sender)
    {
        lock (_sync)
        {
            return _members.Where(m => m != sender && m.Namespace.Name == sender.Namespace.Name && !_silenced.Contains(m)).ToArray();
        }
    }

    private Member? Find(string uid)
    {
        lock (_sync)
        {
            return _members.FirstOrDefault(m => m.Uid == uid && !_silenced.Contains(m));
        }
    }

    /// <summary>Each message is copied per recipient, as a wire would: no member can see another's objects.</summary>
    private static ClusterMessage Copy(ClusterMessage message) => message with { Data = (Newtonsoft.Json.Linq.JObject?)message.Data?.DeepClone() };

    private sealed class Member : ClusterAdapter
    {
        private readonly InProcessCluster _cluster;
        private readonly Channel<Action> _inbox = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });

        public Member(InProcessCluster cluster, IAdapterNamespace nsp, string uid, ILogger? logger)
            : base(nsp, uid, logger: logger)
        {
            _cluster = cluster;
            _ = Task.Run(PumpAsync);
        }

        public override Task InitAsync(CancellationToken cancellationToken = default)
        {
            _cluster.Join(this);
            return Task.CompletedTask;
        }

        public override async ValueTask CloseAsync()
        {
            _cluster.Leave(this);
            _inbox.Writer.TryComplete();
            await base.CloseAsync().ConfigureAwait(false);
        }

        public override Task<int> ServerCountAsync(CancellationToken cancellationToken = default) =>
            _cluster.CountFails
                ? Task.FromException<int>(new SocketIoClusterUnavailableException("the in-process bus is down"))
                : Task.FromResult(_cluster.MemberCount(Namespace.Name));

        protected override Task PublishAsync(ClusterMessage message, CancellationToken cancellationToken = default)
        {
            if (_cluster.PublishesFail)
            {
                return Task.FromException(new SocketIoClusterUnavailableException("the in-process bus is down"));
            }

            foreach (var member in _cluster.Others(this))
            {
                var copy = Copy(message);
                member._inbox.Writer.TryWrite(() => member.OnMessage(copy));
            }

            return _cluster.PublishOutcome();
        }

        protected override Task PublishResponseAsync(string requesterUid, ClusterMessage response, CancellationToken cancellationToken = default)
        {
            if (_cluster.PublishesFail)
            {
                return Task.FromException(new SocketIoClusterUnavailableException("the in-process bus is down"));
            }

            if (_cluster.Find(requesterUid) is { } requester)
            {
                var copy = Copy(response);
                requester._inbox.Writer.TryWrite(() => requester.OnResponse(copy));
            }

            return Task.CompletedTask;
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
}
