using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// What every adapter must do (socket.io-adapter's behaviour, and socket.io test/utility-methods.ts and
/// messaging-many.ts run over a cluster): rooms, targeted broadcasts, fetchSockets, socketsJoin/Leave,
/// disconnectSockets, broadcast acks, serverSideEmit. Each test starts <see cref="ServerCount"/> real servers
/// sharing one <see cref="FakeTimeProvider"/>; raw WebSocket clients are spread over them, so with one server
/// this is the single-node behaviour and with several it is the cluster behaviour.
/// <para>
/// An adapter's fixture inherits this class and supplies the server count and each server's adapter factory
/// (plus any setup of its own, such as a Redis server); everything else is shared.
/// </para>
/// </summary>
public abstract class AdapterSpecification
{
    /// <summary>How many servers form the cluster; 1 for a single-server adapter.</summary>
    protected abstract int ServerCount { get; }

    /// <summary>The adapter factory of server <paramref name="serverIndex"/>; null means the default in-memory adapter.</summary>
    protected abstract Func<IAdapterNamespace, SocketIoAdapter>? CreateAdapterFactory(int serverIndex);

    /// <summary>The server every test emits from; the last server is the "remote" one (the same one when alone).</summary>
    private int Last => ServerCount - 1;

    /// <summary>A client and its server-side socket.</summary>
    private protected sealed record Member(int Server, SioRawClient Client, SocketIoSocket Socket)
    {
        public string Id => Socket.Id;
    }

    /// <summary>The servers of one test.</summary>
    private protected sealed class Cluster : IAsyncDisposable
    {
        internal Cluster(IReadOnlyList<SioTestHost> hosts, FakeTimeProvider time)
        {
            Hosts = hosts;
            Time = time;
        }

        public IReadOnlyList<SioTestHost> Hosts { get; }

        public FakeTimeProvider Time { get; }

        public SocketIoServer this[int index] => Hosts[index].Io;

        /// <summary>Connects a raw client to server <paramref name="server"/>.</summary>
        public async Task<Member> ConnectAsync(int server, string nsp = "/")
        {
            var client = await Hosts[server].OpenAsync();
            var sid = await client.ConnectNamespaceAsync(nsp);
            return new Member(server, client, Hosts[server].Socket(sid, nsp));
        }

        /// <summary>Connects <paramref name="count"/> clients, client i to server i modulo the server count.</summary>
        public async Task<Member[]> ConnectManyAsync(int count)
        {
            var members = new Member[count];
            for (var i = 0; i < count; i++)
            {
                members[i] = await ConnectAsync(i % Hosts.Count);
            }

            return members;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var host in Hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the servers and waits until every one of them counts the whole cluster for <c>/</c>.</summary>
    private protected async Task<Cluster> StartAsync()
    {
        var time = new FakeTimeProvider();
        var hosts = new List<SioTestHost>();
        for (var i = 0; i < ServerCount; i++)
        {
            var factory = CreateAdapterFactory(i);
            hosts.Add(await SioTestHost.StartAsync(o => o.AdapterFactory = factory, time));
        }

        var cluster = new Cluster(hosts, time);
        await WaitForServerCountAsync(cluster, "/");
        return cluster;
    }

    private async Task WaitForServerCountAsync(Cluster cluster, string nsp)
    {
        var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
        foreach (var host in cluster.Hosts)
        {
            while (await host.Io.Of(nsp).Adapter.ServerCountAsync() != ServerCount)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The adapters of {nsp} never counted {ServerCount} servers.");
                }

                await Task.Yield();
            }
        }
    }

    /// <summary>
    /// Whether a request sent after a bulk operation (socketsJoin/Leave) sees its effect on the other servers. True
    /// when both travel on one ordered channel; the Redis streams adapter carries bulk operations in the stream and
    /// requests over PUB/SUB, as Node's does, so a fetch may overtake a join: there the test waits for the effect.
    /// </summary>
    protected virtual bool RequestsFollowBulkOperations => true;

    /// <summary>The fetch result, fetched again until <paramref name="settled"/> (bounded) when requests may overtake bulk operations.</summary>
    private async Task<T> AfterBulkAsync<T>(Func<Task<T>> fetch, Func<T, bool> settled)
    {
        var result = await fetch();
        var deadline = DateTime.UtcNow + Signals.DefaultTimeout;
        while (!RequestsFollowBulkOperations && !settled(result) && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
            result = await fetch();
        }

        return result;
    }

    /// <summary>
    /// Emits a marker from <paramref name="server"/> to everyone and requires it to be each member's next frame:
    /// whatever was sent earlier from that server, to any node, has been delivered by then.
    /// </summary>
    private static async Task AssertNothingElseAsync(Cluster cluster, int server, params Member[] members)
    {
        await cluster[server].EmitAsync("marker");
        foreach (var member in members)
        {
            Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("""2["marker"]"""), $"the next frame of the client on server {member.Server}");
        }
    }

    [Test]
    public async Task ServerCount_CountsTheWholeCluster()
    {
        await using var cluster = await StartAsync();

        foreach (var host in cluster.Hosts)
        {
            Assert.That(await host.Io.Sockets.Adapter.ServerCountAsync(), Is.EqualTo(ServerCount));
        }
    }

    [Test]
    public async Task TheRoomsMap_HoldsTheLocalSocketsAndTheirRooms()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);
        foreach (var member in members)
        {
            await member.Socket.JoinAsync("shared", "own-" + member.Id);
        }

        await members[0].Socket.LeaveAsync("shared");

        for (var server = 0; server < ServerCount; server++)
        {
            var adapter = cluster[server].Sockets.Adapter;
            var local = members.Where(m => m.Server == server).ToList();
            Assert.That(adapter.Rooms.Keys, Is.EquivalentTo(local.SelectMany(m => new[] { m.Id, "own-" + m.Id }).Append("shared")));
            Assert.That(adapter.Rooms["shared"], Is.EquivalentTo(local.Where(m => m != members[0]).Select(m => m.Id)), "this server's sockets only");
            Assert.That(adapter.RoomSize("shared"), Is.EqualTo(local.Count(m => m != members[0])));
            Assert.That(adapter.Sids.Keys, Is.EquivalentTo(local.Select(m => m.Id)), "this server's sockets only");
            foreach (var member in local)
            {
                Assert.That(adapter.SocketRooms(member.Id), Is.EquivalentTo(member.Socket.Rooms));
                Assert.That(adapter.Sids[member.Id], Is.EquivalentTo(member.Socket.Rooms));
                Assert.That(adapter.Rooms[member.Id], Is.EqualTo(new[] { member.Id }), "each socket is alone in its own room");
            }
        }

        var first = cluster[0].Sockets.Adapter;
        Assert.That(first.SocketRooms("unknown socket"), Is.Null);
        Assert.That((first.Sids.ContainsKey("unknown socket"), first.Rooms.ContainsKey("unknown room")), Is.EqualTo((false, false)));
        Assert.That(first.Sids.TryGetValue("unknown socket", out _) || first.Rooms.TryGetValue("unknown room", out _), Is.False);
        Assert.That(() => first.Rooms["unknown room"], Throws.TypeOf<KeyNotFoundException>());
        Assert.That(members[0].Socket.Rooms, Is.EquivalentTo(new[] { members[0].Id, "own-" + members[0].Id }));
    }

    [Test]
    public async Task TheMaps_FollowJoinsLeavesAndDisconnects_Live()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);

        for (var server = 0; server < ServerCount; server++)
        {
            var adapter = cluster[server].Sockets.Adapter;
            var (a, b) = (members[server], members[server + ServerCount]);
            // Read once and kept: every later assertion sees changes made after these reads.
            var rooms = adapter.Rooms;
            var sids = adapter.Sids;
            Assert.That(rooms.ContainsKey("live"), Is.False);

            await a.Socket.JoinAsync("live");
            var live = rooms["live"];
            var roomsOfA = sids[a.Id];
            Assert.That(live, Is.EquivalentTo(new[] { a.Id }));
            Assert.That(roomsOfA, Does.Contain("live"));

            await b.Socket.JoinAsync("live");
            Assert.That((live.Count, live.Contains(b.Id)), Is.EqualTo((2, true)), "a join after the set was read");

            await a.Socket.LeaveAsync("live");
            Assert.That(live, Is.EquivalentTo(new[] { b.Id }), "a leave");
            Assert.That(roomsOfA, Is.EquivalentTo(new[] { a.Id }), "and the socket's rooms follow");

            await b.Socket.DisconnectAsync();
            await Signals.UntilAsync(() => !sids.ContainsKey(b.Id), "the disconnected socket to leave the map");
            Assert.That(rooms.ContainsKey("live"), Is.False, "the emptied room is deleted");
            Assert.That(rooms.ContainsKey(b.Id), Is.False, "and so is the socket's own room");
            Assert.That(live, Is.Empty);
            Assert.That(sids.Keys, Does.Contain(a.Id).And.Not.Contain(b.Id));
        }
    }

    [Test]
    public async Task ABroadcast_ReachesEveryClientOnEveryServer_Once()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);

        await cluster[0].EmitAsync("news", new JObject { ["n"] = 1 });

        foreach (var member in members)
        {
            Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("""2["news",{"n":1}]"""));
        }

        await AssertNothingElseAsync(cluster, 0, members);
    }

    [Test]
    public async Task BurstsFromOneClient_ReachEveryClientOnEveryServer_InOrder()
    {
        // issue #12 item 5: one socket's handlers run concurrently (the receive loop never awaits them), so each
        // emit must deliver locally in call order and never wait for its publish.
        const int bursts = 10, perBurst = 5, total = bursts * perBurst;
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);
        var sender = members[0];
        foreach (var member in members)
        {
            await member.Socket.JoinAsync("room");
        }

        sender.Socket.On("bcast-all", async e =>
        {
            await cluster[sender.Server].To("room").EmitAsync("msg", e.Args[0]);
            await e.AckAsync();
        });

        for (var burst = 0; burst < bursts; burst++)
        {
            // Back to back, without waiting for the acks (socket.io-client's emits in a loop).
            for (var i = 0; i < perBurst; i++)
            {
                var n = burst * perBurst + i;
                await sender.Client.SendAsync($"2{n}[\"bcast-all\",{n}]");
            }
        }

        var expected = Enumerable.Range(0, total).Select(n => $"2[\"msg\",{n}]").ToList();
        foreach (var member in members)
        {
            var received = new List<string>(total);
            while (received.Count < total)
            {
                var text = await member.Client.ReceiveTextAsync();
                if (!text.StartsWith('3'))
                {
                    // The sender's frames interleave its acks.
                    received.Add(text);
                }
            }

            Assert.That(received, Is.EqualTo(expected), $"the order seen by the client on server {member.Server}");
        }
    }

    [Test]
    public async Task ABinaryBroadcast_ReachesRemoteClientsWithItsAttachments()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(ServerCount);

        await cluster[0].EmitAsync("bin", new byte[] { 1, 2 }, new { nested = new byte[] { 3 } });

        foreach (var member in members)
        {
            Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("""52-["bin",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}]"""));
            Assert.That(await member.Client.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 1, 2 }));
            Assert.That(await member.Client.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 3 }));
        }
    }

    [Test]
    public async Task ABroadcastToRooms_ReachesTheirMembersOnEveryServer_EachOnce()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(3 * ServerCount);
        var inR1 = members.Where((_, i) => i % 3 == 0).ToArray();
        var inR2 = members.Where((_, i) => i % 3 != 2).ToArray();
        foreach (var member in inR1)
        {
            await member.Socket.JoinAsync("r1");
        }

        foreach (var member in inR2)
        {
            await member.Socket.JoinAsync("r2");
        }

        await cluster[0].To("r1").EmitAsync("to r1");
        await cluster[0].To("r1", "r2").EmitAsync("to r1 or r2");

        foreach (var member in members)
        {
            if (inR1.Contains(member))
            {
                Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("""2["to r1"]"""));
            }

            if (inR2.Contains(member))
            {
                Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("""2["to r1 or r2"]"""));
            }
        }

        await AssertNothingElseAsync(cluster, 0, members);
    }

    [Test]
    public async Task Except_LeavesOutTheMembersOfTheExcludedRoomsOnEveryServer()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);
        var excluded = members.Where((_, i) => i % 2 == 1).ToArray();
        foreach (var member in members)
        {
            await member.Socket.JoinAsync("all");
        }

        foreach (var member in excluded)
        {
            await member.Socket.JoinAsync("muted");
        }

        await cluster[Last].To("all").Except("muted").EmitAsync("not muted");

        foreach (var member in members.Except(excluded))
        {
            Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("""2["not muted"]"""));
        }

        await AssertNothingElseAsync(cluster, Last, members);
    }

    [Test]
    public async Task SocketBroadcast_ReachesEveryClientButTheSender_OnEveryServer()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);
        var sender = members[^1];

        await sender.Socket.Broadcast.EmitAsync("from sender");

        foreach (var member in members.Where(m => m != sender))
        {
            Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("""2["from sender"]"""));
        }

        await AssertNothingElseAsync(cluster, sender.Server, members);
    }

    [Test]
    public async Task ALocalBroadcast_StaysOnItsServer()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);

        await cluster[0].Local.EmitAsync("local");

        foreach (var member in members.Where(m => m.Server == 0))
        {
            Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("""2["local"]"""));
        }

        await AssertNothingElseAsync(cluster, 0, members);
    }

    [Test]
    public async Task FetchSockets_ReturnsTheSocketsOfEveryServer_WithTheirDetails()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);
        foreach (var member in members)
        {
            member.Socket.Data = new JObject { ["server"] = member.Server };
            await member.Socket.JoinAsync("room");
        }

        for (var server = 0; server < ServerCount; server++)
        {
            var sockets = await cluster[server].FetchSocketsAsync();

            Assert.That(sockets.Select(s => s.Id), Is.EquivalentTo(members.Select(m => m.Id)));
            foreach (var member in members)
            {
                var fetched = sockets.Single(s => s.Id == member.Id);
                Assert.That(fetched.Rooms, Is.EquivalentTo(new[] { member.Id, "room" }));
                Assert.That((int?)fetched.Data!["server"], Is.EqualTo(member.Server));
                Assert.That(fetched.Handshake.Url, Is.EqualTo(member.Socket.Handshake.Url));
                Assert.That(fetched.Handshake.Issued, Is.EqualTo(member.Socket.Handshake.Issued));
                Assert.That(fetched.Handshake.Headers["host"], Is.EqualTo(member.Socket.Handshake.Headers["host"]));
            }
        }
    }

    [Test]
    public async Task FetchSockets_FollowsInAndExcept_AndLocal()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(3 * ServerCount);
        var inRoom = members.Where((_, i) => i % 3 != 0).ToArray();
        foreach (var member in inRoom)
        {
            await member.Socket.JoinAsync("room");
        }

        await inRoom[0].Socket.JoinAsync("except");

        var fetched = await cluster[0].In("room").Except("except").FetchSocketsAsync();
        var local = await cluster[0].Local.FetchSocketsAsync();

        Assert.That(fetched.Select(s => s.Id), Is.EquivalentTo(inRoom.Skip(1).Select(m => m.Id)));
        Assert.That(local.Select(s => s.Id), Is.EquivalentTo(members.Where(m => m.Server == 0).Select(m => m.Id)));
    }

    [Test]
    public async Task ARemoteSocket_OnAnotherServer_TakesEmitsJoinsAndDisconnects()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(ServerCount);
        var target = members[Last];

        var remote = (await cluster[0].FetchSocketsAsync()).Single(s => s.Id == target.Id);
        await remote.EmitAsync("hello", 1);
        Assert.That(await target.Client.ReceiveTextAsync(), Is.EqualTo("""2["hello",1]"""));

        await remote.JoinAsync("joined remotely");
        var rooms = (await cluster[0].FetchSocketsAsync()).Single(s => s.Id == target.Id).Rooms;
        Assert.That(rooms, Does.Contain("joined remotely"));
        await cluster[0].To("joined remotely").EmitAsync("via the new room");
        Assert.That(await target.Client.ReceiveTextAsync(), Is.EqualTo("""2["via the new room"]"""));

        await remote.DisconnectAsync();
        Assert.That(await target.Client.ReceiveTextAsync(), Is.EqualTo("1"));
        await AssertNothingElseAsync(cluster, 0, members.Where(m => m != target).ToArray());
    }

    [Test]
    public async Task SocketsJoinAndLeave_ReachTheTargetedSocketsOnEveryServer()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);
        var seed = members.Where((_, i) => i % 2 == 0).ToArray();
        foreach (var member in seed)
        {
            await member.Socket.JoinAsync("seed");
        }

        await cluster[0].In("seed").SocketsJoinAsync("grown");
        await cluster[0].SocketsJoinAsync("everyone");
        // fetchSockets travels behind socketsJoin (a cluster may carry broadcasts on other channels than requests,
        // so the membership is confirmed before a broadcast relies on it).
        var fetched = await AfterBulkAsync(async () => await cluster[0].In("everyone").FetchSocketsAsync(), l => l.Count == members.Length);
        Assert.That(fetched.Select(s => s.Id), Is.EquivalentTo(members.Select(m => m.Id)));
        Assert.That((await AfterBulkAsync(async () => await cluster[0].In("grown").FetchSocketsAsync(), l => l.Count == seed.Length)).Select(s => s.Id), Is.EquivalentTo(seed.Select(m => m.Id)));

        await cluster[0].In("grown").EmitAsync("to grown");
        foreach (var member in seed)
        {
            Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("""2["to grown"]"""));
        }

        await AssertNothingElseAsync(cluster, 0, members);

        await cluster[0].Except(seed[0].Id).SocketsLeaveAsync("grown", "everyone");
        var left = await AfterBulkAsync(async () => await cluster[0].FetchSocketsAsync(), l => l.Count(s => s.Rooms.Contains("everyone")) == 1);
        Assert.That(left.Where(s => s.Rooms.Contains("grown")).Select(s => s.Id), Is.EqualTo(new[] { seed[0].Id }));
        Assert.That(left.Where(s => s.Rooms.Contains("everyone")).Select(s => s.Id), Is.EqualTo(new[] { seed[0].Id }));
    }

    [Test]
    public async Task DisconnectSockets_ReachesTheTargetedSocketsOnEveryServer_AndKeepsTheirSessions()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);
        var kicked = members.Where((_, i) => i % 2 == 1).ToArray();
        foreach (var member in kicked)
        {
            await member.Socket.JoinAsync("kick");
        }

        await cluster[0].In("kick").DisconnectSocketsAsync();

        foreach (var member in kicked)
        {
            Assert.That(await member.Client.ReceiveTextAsync(), Is.EqualTo("1"));
        }

        await AssertNothingElseAsync(cluster, 0, members.Except(kicked).ToArray());
        Assert.That(kicked.Select(m => m.Socket.Connected), Is.All.False);
        Assert.That(kicked.Select(m => m.Client.Closed.IsCompleted), Is.All.False, "close: false keeps the connections");
    }

    [Test]
    public async Task DisconnectSocketsWithClose_ClosesTheConnectionsOnEveryServer()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);
        var kept = members[0];

        await cluster[Last].Except(kept.Id).DisconnectSocketsAsync(close: true);

        foreach (var member in members.Skip(1))
        {
            await member.Client.WaitForCloseAsync();
        }

        Assert.That(kept.Socket.Connected, Is.True);
        Assert.That((await cluster[Last].FetchSocketsAsync()).Select(s => s.Id), Is.EqualTo(new[] { kept.Id }));
    }

    [Test]
    public async Task ABroadcastWithAck_CollectsOneResponsePerClientOfEveryServer()
    {
        await using var cluster = await StartAsync();
        var members = await cluster.ConnectManyAsync(2 * ServerCount);

        var responses = cluster[0].Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("question", 1);
        foreach (var member in members)
        {
            var packet = await member.Client.ReceiveTextAsync();
            Assert.That(packet, Does.Match("""^2\d+\["question",1\]$"""));
            await member.Client.SendAsync("3" + packet[1..packet.IndexOf('[', StringComparison.Ordinal)] + $"[\"{member.Id}\"]");
        }

        var result = await responses.Within("every response");
        Assert.That(result.Select(r => (string?)r), Is.EquivalentTo(members.Select(m => m.Id)));
    }

    [Test]
    public async Task ABroadcastWithAck_OnTimeout_FailsWithTheResponsesReceived()
    {
        await using var cluster = await StartAsync();
        var answering = await cluster.ConnectAsync(0);
        var silent = await cluster.ConnectAsync(Last);
        var timeout = TimeSpan.FromSeconds(5);
        var acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        answering.Socket.On("acked", _ =>
        {
            acked.TrySetResult();
            return ValueTask.CompletedTask;
        });

        var responses = cluster[0].Timeout(timeout).EmitWithAckAsync("question");
        var packet = await answering.Client.ReceiveTextAsync();
        Assert.That(await silent.Client.ReceiveTextAsync(), Does.EndWith("""["question"]"""));
        await answering.Client.SendAsync("3" + packet[1..packet.IndexOf('[', StringComparison.Ordinal)] + """["yes"]""");
        // Acks are resolved on the receive path, so once a later event of that client is handled the answer is in.
        await answering.Client.SendAsync("""2["acked"]""");
        await acked.Task.WithTimeout("the event after the ack");

        cluster.Time.Advance(timeout);

        var error = Assert.ThrowsAsync<SocketIoTimeoutException>(() => responses.Within("the timeout"));
        Assert.That(error!.Responses.Select(r => (string?)r), Is.EqualTo<string[]>(["yes"]));
    }

    [Test]
    public async Task ABroadcastWithAck_ToNobody_CompletesWithNoResponse()
    {
        await using var cluster = await StartAsync();
        await cluster.ConnectManyAsync(ServerCount);

        var responses = await cluster[0].To("nobody").Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("question").Within("the broadcast");

        Assert.That(responses, Is.Empty);
    }

    [Test]
    public async Task ServerSideEmit_ReachesEveryOtherServer_NotItself()
    {
        await using var cluster = await StartAsync();
        var heard = new SioRecorder<string>();
        for (var i = 0; i < ServerCount; i++)
        {
            var server = i;
            cluster[i].OnServerSideEmit("hello", e => heard.AddAsync($"{server}:{e.GetValue<string>(0)}"));
            cluster[i].OnServerSideEmit("marker", e => heard.AddAsync($"{server}:marker"));
        }

        await cluster[0].ServerSideEmitAsync("hello", "world");
        await cluster[0].ServerSideEmitAsync("marker");

        var expected = Enumerable.Range(1, ServerCount - 1).SelectMany(i => new[] { $"{i}:world", $"{i}:marker" }).ToList();
        Assert.That(await heard.WaitForAsync(expected.Count, "the other servers"), Is.EquivalentTo(expected));
    }

    [Test]
    public async Task ServerSideEmitWithAck_CollectsOneAnswerPerOtherServer()
    {
        await using var cluster = await StartAsync();
        for (var i = 0; i < ServerCount; i++)
        {
            var server = i;
            cluster[i].OnServerSideEmit("count", e => e.AckAsync(server * 10 + e.GetValue<int>(0)));
        }

        var answers = await cluster[0].ServerSideEmitWithAckAsync("count", 1).Within("the answers");

        Assert.That(answers.Select(a => (int)a!), Is.EquivalentTo(Enumerable.Range(1, ServerCount - 1).Select(i => i * 10 + 1)));
    }

    [Test]
    public async Task ACustomNamespace_IsItsOwnScope()
    {
        await using var cluster = await StartAsync();
        foreach (var host in cluster.Hosts)
        {
            host.Io.Of("/chat");
        }

        await WaitForServerCountAsync(cluster, "/chat");
        var main = await cluster.ConnectAsync(Last);
        var chat = await cluster.ConnectAsync(Last, "/chat");
        await chat.Socket.JoinAsync("room");
        await main.Socket.JoinAsync("room");

        await cluster[0].Of("/chat").To("room").EmitAsync("chat only");

        Assert.That(await chat.Client.ReceiveTextAsync(), Is.EqualTo("""2/chat,["chat only"]"""));
        await AssertNothingElseAsync(cluster, 0, main);
        Assert.That((await cluster[0].Of("/chat").FetchSocketsAsync()).Select(s => s.Id), Is.EqualTo(new[] { chat.Id }));
    }
}
