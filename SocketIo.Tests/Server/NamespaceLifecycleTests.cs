using System.Text.RegularExpressions;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Adapters;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Namespaces that come and go: <c>cleanupEmptyChildNamespaces</c> (a dynamic child with no socket left is removed
/// and its adapter closed) and <c>new_namespace</c>.
/// </summary>
[TestFixture]
public sealed partial class NamespaceLifecycleTests
{
    [GeneratedRegex(@"^/tenant-\d+$")]
    private static partial Regex Tenant();

    /// <summary>The in-memory adapter, counting its closes.</summary>
    private sealed class ClosingAdapter(IAdapterNamespace nsp) : InMemoryAdapter(nsp)
    {
        public int Closes { get; private set; }

        public override ValueTask CloseAsync()
        {
            Closes++;
            return base.CloseAsync();
        }
    }

    private static async Task<(SioTestHost Host, List<ClosingAdapter> Adapters)> StartAsync(bool cleanup)
    {
        var adapters = new List<ClosingAdapter>();
        var host = await SioTestHost.StartAsync(o =>
        {
            o.CleanupEmptyChildNamespaces = cleanup;
            o.AdapterFactory = port =>
            {
                var adapter = new ClosingAdapter(port);
                lock (adapters)
                {
                    adapters.Add(adapter);
                }

                return adapter;
            };
        });
        return (host, adapters);
    }

    private static Task GoneAsync(SocketIoSocket socket)
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.Disconnected.Register(() => gone.TrySetResult());
        return gone.Task.WithTimeout("the socket to leave");
    }

    [Test]
    public async Task AnEmptyChildNamespace_IsRemoved_AndItsAdapterClosed_ThenMadeAgainOnTheNextConnect()
    {
        var (host, adapters) = await StartAsync(cleanup: true);
        await using var _ = host;
        var parent = host.Io.Of(Tenant());
        var connections = 0;
        parent.OnConnection((_, _) =>
        {
            Interlocked.Increment(ref connections);
            return ValueTask.CompletedTask;
        });

        var client = await host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync("/tenant-1");
        var first = host.Io.Namespaces["/tenant-1"];
        var socket = first.Sockets[sid];
        await client.SendAsync("1/tenant-1,");
        await GoneAsync(socket);

        Assert.That(host.Io.Namespaces.ContainsKey("/tenant-1"), Is.False, "removed from the server");
        Assert.That(parent.Children, Is.Empty, "and from its parent");
        Assert.That(adapters.Single(a => a.Namespace.Name == "/tenant-1").Closes, Is.EqualTo(1));

        var again = await client.ConnectNamespaceAsync("/tenant-1");
        var second = host.Io.Namespaces["/tenant-1"];
        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(second.Sockets.ContainsKey(again), Is.True);
        Assert.That(parent.Children, Is.EqualTo(new[] { second }));
        await Signals.UntilAsync(() => Volatile.Read(ref connections) == 2, "the parent's handler on the new child");
    }

    [Test]
    public async Task AChildNamespaceWithSocketsLeft_IsKept()
    {
        var (host, adapters) = await StartAsync(cleanup: true);
        await using var _ = host;
        host.Io.Of(Tenant());
        var a = await host.OpenAsync();
        var b = await host.OpenAsync();
        var sidA = await a.ConnectNamespaceAsync("/tenant-2");
        await b.ConnectNamespaceAsync("/tenant-2");
        var socketA = host.Io.Namespaces["/tenant-2"].Sockets[sidA];

        a.Abort();
        await GoneAsync(socketA);

        Assert.That(host.Io.Namespaces.ContainsKey("/tenant-2"), Is.True);
        Assert.That(adapters.Single(x => x.Namespace.Name == "/tenant-2").Closes, Is.Zero);
    }

    [Test]
    public async Task AChildNamespaceThatRefusedItsOnlyClient_IsRemoved()
    {
        var (host, _) = await StartAsync(cleanup: true);
        await using var __ = host;
        host.Io.Of(Tenant()).Use((_, _) => throw new ConnectionRejectedException("no"));
        var client = await host.OpenAsync();

        await client.SendAsync("0/tenant-3,");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""4/tenant-3,{"message":"no"}"""));

        await Signals.UntilAsync(() => !host.Io.Namespaces.ContainsKey("/tenant-3"), "the empty child to be removed");
    }

    [TestCase(false, TestName = "Without the option, an empty child namespace stays")]
    public async Task WithoutTheOption_AnEmptyChildNamespaceStays(bool cleanup)
    {
        var (host, adapters) = await StartAsync(cleanup);
        await using var _ = host;
        host.Io.Of(Tenant());
        var client = await host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync("/tenant-4");
        var socket = host.Io.Namespaces["/tenant-4"].Sockets[sid];
        await client.SendAsync("1/tenant-4,");
        await GoneAsync(socket);

        Assert.That(host.Io.Namespaces.ContainsKey("/tenant-4"), Is.True);
        Assert.That(adapters.Single(a => a.Namespace.Name == "/tenant-4").Closes, Is.Zero);
    }

    [Test]
    public async Task AnEmptyStaticNamespace_IsNeverRemoved()
    {
        var (host, _) = await StartAsync(cleanup: true);
        await using var __ = host;
        var nsp = host.Io.Of("/static");
        var client = await host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync("/static");
        var socket = nsp.Sockets[sid];
        await client.SendAsync("1/static,");
        await GoneAsync(socket);

        Assert.That(host.Io.Namespaces["/static"], Is.SameAs(nsp));
    }

    [Test]
    public async Task NewNamespace_IsRaisedForEveryNamespaceButTheMainOne()
    {
        await using var host = await SioTestHost.StartAsync();
        var created = new List<string>();
        host.Io.OnNewNamespace(nsp =>
        {
            lock (created)
            {
                created.Add(nsp.Name);
            }

            return ValueTask.CompletedTask;
        });

        host.Io.Of("/static");
        host.Io.Of("/static");
        host.Io.Of(Tenant());
        var client = await host.OpenAsync();
        await client.ConnectNamespaceAsync("/tenant-5");
        await client.ConnectNamespaceAsync("/");

        lock (created)
        {
            Assert.That(created, Is.EqualTo<string[]>(["/static", "/tenant-5"]));
        }
    }
}
