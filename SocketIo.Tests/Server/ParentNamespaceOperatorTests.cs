using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// A dynamic parent namespace's broadcast operators (Node: ParentNamespace, whose adapter hands each broadcast to
/// every child's adapter with the same rooms, exceptions and flags).
/// </summary>
[TestFixture]
public sealed partial class ParentNamespaceOperatorTests
{
    private static readonly int[] OneAndTwo = [1, 2];

    [Test]
    public async Task To_And_Except_ApplyInEveryChild()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        var (a, aSocket) = await host.ConnectWithHandlerAsync(null, "/dyn-1");
        var (b, bSocket) = await host.ConnectWithHandlerAsync(null, "/dyn-2");
        var (c, _) = await host.ConnectWithHandlerAsync(null, "/dyn-2");
        using (a)
        using (b)
        using (c)
        {
            await aSocket.JoinAsync("red");
            await bSocket.JoinAsync("red", "muted");

            await parent.To("red").EmitAsync("to-red");
            await parent.In("red").Except("muted").EmitAsync("red-not-muted");
            await parent.Except("red").EmitAsync("not-red");
            await parent.EmitAsync("all");

            // Each client's frames in order: what it should not get would come before "all".
            Assert.That(await a.ReceiveTextsAsync(3), Is.EqualTo<string[]>(["""2/dyn-1,["to-red"]""", """2/dyn-1,["red-not-muted"]""", """2/dyn-1,["all"]"""]));
            Assert.That(await b.ReceiveTextsAsync(2), Is.EqualTo<string[]>(["""2/dyn-2,["to-red"]""", """2/dyn-2,["all"]"""]));
            Assert.That(await c.ReceiveTextsAsync(2), Is.EqualTo<string[]>(["""2/dyn-2,["not-red"]""", """2/dyn-2,["all"]"""]));
        }
    }

    [Test]
    public async Task TimeoutEmitWithAck_GathersTheAcksOfEveryChild()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        using var a = await host.ConnectAsync("/dyn-1");
        using var b = await host.ConnectAsync("/dyn-2");

        var acks = parent.Timeout(TimeSpan.FromSeconds(30)).EmitWithAckAsync("q");
        await AnswerAsync(a, "/dyn-1", 1);
        await AnswerAsync(b, "/dyn-2", 2);

        var responses = await acks.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(responses.Select(r => r!.Value<int>()), Is.EquivalentTo(OneAndTwo));
    }

    [Test]
    public async Task TimeoutEmitWithAck_OnTimeout_ThrowsWithTheAcksThatArrived_FromEveryChild()
    {
        var time = new FakeTimeProvider();
        await using var host = await SioTestHost.StartAsync(time: time);
        var parent = host.Io.Of(DynamicName());
        parent.OnConnection((s, _) =>
        {
            s.On("sync", e => e.AckAsync());
            return ValueTask.CompletedTask;
        });
        using var a = await host.ConnectAsync("/dyn-1");
        using var b = await host.ConnectAsync("/dyn-2");
        using var silent = await host.ConnectAsync("/dyn-2");

        var acks = parent.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("q");
        await AnswerAsync(a, "/dyn-1", 1);
        await AnswerAsync(b, "/dyn-2", 2);
        // A connection's packets are handled in order: once "sync" is acknowledged, so was the answer before it.
        await SyncAsync(a, "/dyn-1");
        await SyncAsync(b, "/dyn-2");
        Assert.That(await silent.ReceiveTextAsync(), Does.StartWith("2/dyn-2,"), "the silent client got the question");
        Assert.That(acks.IsCompleted, Is.False);

        time.Advance(TimeSpan.FromSeconds(5));

        var error = Assert.ThrowsAsync<SocketIoTimeoutException>(async () => await acks.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(error!.Responses.Select(r => r!.Value<int>()), Is.EquivalentTo(OneAndTwo));
    }

    [Test]
    public async Task VolatileAndLocal_StillReachWritableClientsOfEveryChild()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        using var a = await host.ConnectAsync("/dyn-1");
        using var b = await host.ConnectAsync("/dyn-2");

        await parent.Volatile.Local.Compress(false).EmitAsync("v");

        Assert.That(await a.ReceiveTextAsync(), Is.EqualTo("""2/dyn-1,["v"]"""));
        Assert.That(await b.ReceiveTextAsync(), Is.EqualTo("""2/dyn-2,["v"]"""));
    }

    [Test]
    public async Task OffConnection_OnTheParent_RemovesTheHandlerFromExistingChildren_AndFromLaterOnes()
    {
        await using var host = await SioTestHost.StartAsync();
        var parent = host.Io.Of(DynamicName());
        var seen = new SioRecorder<string>();
        Func<SocketIoSocket, CancellationToken, ValueTask> removed = (s, _) => seen.AddAsync("removed:" + s.Namespace.Name);
        Func<SocketIoSocket, CancellationToken, ValueTask> kept = (s, _) => seen.AddAsync("kept:" + s.Namespace.Name);
        parent.OnConnection(removed).OnConnection(kept);
        using var first = await host.ConnectAsync("/dyn-1");
        await seen.WaitForAsync(2, "both handlers on the first child");

        parent.OffConnection(removed);
        Assert.That(parent.ConnectionListeners, Is.EqualTo(new[] { kept }));
        using var again = await host.ConnectAsync("/dyn-1");
        using var later = await host.ConnectAsync("/dyn-2");

        var items = await seen.WaitForAsync(4, "the kept handler on both children");
        Assert.That(items.Skip(2), Is.EquivalentTo((string[])["kept:/dyn-1", "kept:/dyn-2"]));
    }

    private static async Task AnswerAsync(SioRawClient client, string nsp, int value)
    {
        var question = await client.ReceiveTextAsync();
        var match = Regex.Match(question, "^2" + Regex.Escape(nsp) + ",(\\d+)\\[\"q\"\\]$");
        Assert.That(match.Success, Is.True, question);
        await client.SendAsync("3" + nsp + "," + match.Groups[1].Value + "[" + value + "]");
    }

    private static async Task SyncAsync(SioRawClient client, string nsp)
    {
        await client.SendAsync("2" + nsp + ",99[\"sync\"]");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("3" + nsp + ",99[]"));
    }

    [GeneratedRegex("^/dyn-\\d+$")]
    private static partial Regex DynamicName();
}
