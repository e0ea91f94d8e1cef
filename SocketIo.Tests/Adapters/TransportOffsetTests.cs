using System.Collections.Concurrent;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// <see cref="ClusterAdapter"/>'s hook for transports that give each broadcast its recovery offset (the Redis
/// streams adapter's entry ids): local delivery waits for the offset, keeps call order, survives a failed publish,
/// and stays local-first for what carries no offset; a remote broadcast is delivered with the offset it came with.
/// </summary>
[TestFixture]
public sealed class TransportOffsetTests
{
    private sealed class OffsetAdapter(IAdapterNamespace nsp) : ClusterAdapter(nsp, "self")
    {
        public ConcurrentQueue<TaskCompletionSource<string?>> Pending { get; } = new();

        protected override bool UsesTransportOffsets => true;

        protected override Task<string?> PublishWithOffsetAsync(ClusterMessage message)
        {
            var publish = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            Pending.Enqueue(publish);
            return publish.Task;
        }

        protected override Task PublishAsync(ClusterMessage message, CancellationToken cancellationToken = default) => Task.CompletedTask;

        protected override Task PublishResponseAsync(string requesterUid, ClusterMessage response, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public void Receive(ClusterMessage message, string offset) => OnMessage(message, offset);

        public TaskCompletionSource<string?> Next() => Pending.TryDequeue(out var next) ? next : throw new AssertionException("no publish is pending");
    }

    private static async Task<(SioTestHost Host, OffsetAdapter Adapter, SioRawClient Client)> StartAsync()
    {
        OffsetAdapter? adapter = null;
        var host = await SioTestHost.StartAsync(o => o.AdapterFactory = nsp => adapter = new OffsetAdapter(nsp));
        var client = await host.OpenAsync();
        await client.ConnectNamespaceAsync();
        return (host, adapter!, client);
    }

    [Test]
    public async Task A_broadcast_is_delivered_locally_once_the_transport_gave_its_offset_and_with_it()
    {
        var (host, adapter, client) = await StartAsync();
        await using var _ = host;

        var emit = host.Io.EmitAsync("news", 1).AsTask();
        Assert.That(emit.IsCompleted, Is.False, "local delivery waits for the offset");
        adapter.Next().SetResult("1700000000000-0");
        await emit.Within("the delivery");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["news",1,"1700000000000-0"]"""));
    }

    [Test]
    public async Task Broadcasts_reach_local_clients_in_call_order_whatever_order_the_offsets_come_in()
    {
        var (host, adapter, client) = await StartAsync();
        await using var _ = host;

        var first = host.Io.EmitAsync("a").AsTask();
        var second = host.Io.EmitAsync("b").AsTask();
        var publishA = adapter.Next();
        adapter.Next().SetResult("2-0");
        publishA.SetResult("1-0");
        await Task.WhenAll(first, second).Within("both deliveries");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["a","1-0"]"""));
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["b","2-0"]"""));
    }

    [Test]
    public async Task A_failed_publish_is_still_delivered_locally_without_an_offset()
    {
        var (host, adapter, client) = await StartAsync();
        await using var _ = host;

        var emit = host.Io.EmitAsync("news").AsTask();
        adapter.Next().SetException(new InvalidOperationException("redis down"));
        await emit.Within("the delivery");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["news"]"""));
    }

    [Test]
    public async Task A_volatile_broadcast_carries_no_offset_and_stays_local_first()
    {
        var (host, adapter, client) = await StartAsync();
        await using var _ = host;

        await host.Io.Volatile.EmitAsync("v").AsTask().Within("the delivery");

        Assert.That(adapter.Pending, Is.Empty);
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["v"]"""));
    }

    [Test]
    public async Task A_remote_broadcast_is_delivered_with_the_offset_it_came_with()
    {
        var (host, adapter, client) = await StartAsync();
        await using var _ = host;

        var packet = new SocketIoPacket(SocketIoPacketType.Event, "/", new JArray("remote", "x"));
        adapter.Receive(ClusterMessages.Broadcast("other", "/", packet, new BroadcastOptions()), "5-7");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["remote","x","5-7"]"""));
    }
}
