using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// <c>socket.timeout(ms).emitWithAck(…)</c> (socket.io test/socket-timeout.ts), driven by the server's
/// <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/>.
/// </summary>
[TestFixture]
public sealed class SocketTimeoutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [Test]
    public async Task WithoutAnAck_TheEmitFailsWithSocketIoTimeoutException_AfterTheTimeout()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());

        var answer = socket.Timeout(Timeout).EmitWithAckAsync("unanswered");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["unanswered"]"""));

        host.Time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.That(answer.IsCompleted, Is.False);
        host.Time.Advance(TimeSpan.FromMilliseconds(1));

        var error = Assert.ThrowsAsync<SocketIoTimeoutException>(() => answer.Within("the timeout"));
        Assert.That(error!.Message, Is.EqualTo("operation has timed out"));
        Assert.That(error.Responses, Is.Empty);
    }

    [Test]
    public async Task AnAckBeforeTheTimeout_CompletesTheEmit()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());

        var answer = socket.Timeout(Timeout).EmitWithAckAsync("question", 1);
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["question",1]"""));
        host.Time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        await client.SendAsync("""30["answer",2]""");

        Assert.That((string?)await answer.WithTimeout("the ack"), Is.EqualTo("answer"), "the first ack argument");
        host.Time.Advance(Timeout);
        Assert.That(answer.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public async Task ALateAck_IsIgnored_AndLaterAcksStillWork()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());

        var first = socket.Timeout(Timeout).EmitWithAckAsync("first");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["first"]"""));
        host.Time.Advance(Timeout);
        Assert.ThrowsAsync<SocketIoTimeoutException>(() => first.Within("the timeout"));
        await client.SendAsync("""30["late"]""");

        var second = socket.Timeout(Timeout).EmitWithAckAsync("second");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""21["second"]"""));
        await client.SendAsync("""31["on time"]""");

        Assert.That((string?)await second.WithTimeout("the second ack"), Is.EqualTo("on time"));
        Assert.That(socket.Connected, Is.True);
    }

    [Test]
    public async Task TheTypedEmit_ConvertsTheFirstAckArgument()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());

        var answer = socket.Timeout(Timeout).EmitWithAckAsync<Point>("point");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["point"]"""));
        await client.SendAsync("""30[{"X":3,"Y":4}]""");

        Assert.That(await answer.WithTimeout("the ack"), Is.EqualTo(new Point(3, 4)));
    }

    [Test]
    public async Task TheTypedEmitOnTheSocket_WaitsWithoutATimeout()
    {
        // A heartbeat longer than the wait: a day of silence would otherwise end the session (ping timeout), as in Node.
        await using var host = await SioTestHost.StartAsync(o => o.Engine.PingInterval = TimeSpan.FromDays(2));
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());

        var answer = socket.EmitWithAckAsync<int>("n");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["n"]"""));
        host.Time.Advance(TimeSpan.FromDays(1));
        Assert.That(answer.IsCompleted, Is.False, "no timeout unless one is set");
        await client.SendAsync("30[7]");

        Assert.That(await answer.WithTimeout("the ack"), Is.EqualTo(7));
    }

    [Test]
    public async Task APendingEmit_EndsCancelled_WhenTheSocketLeaves()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());

        var answer = socket.EmitWithAckAsync("never answered");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["never answered"]"""));
        await client.SendAsync("1");

        Assert.That(async () => await answer.WithTimeout("the emit to end"), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task APendingEmit_CanBeCancelledByItsToken()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());
        using var cancel = new CancellationTokenSource();

        var answer = socket.EmitWithAckAsync("q", [], cancel.Token);
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["q"]"""));
        await cancel.CancelAsync();

        Assert.That(async () => await answer.WithTimeout("the emit to end"), Throws.InstanceOf<OperationCanceledException>());
        await client.SendAsync("""30["too late"]""");
        Assert.That(socket.Connected, Is.True);
    }

    [Test]
    public async Task TimeoutEmitter_WithoutAck_IsAPlainEmit()
    {
        await using var host = await SioTestHost.StartAsync();
        using var client = await host.OpenAsync();
        var socket = host.Socket(await client.ConnectNamespaceAsync());

        await socket.Timeout(Timeout).EmitAsync("plain", new JObject { ["a"] = 1 });

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["plain",{"a":1}]"""));
    }

    public sealed record Point(int X, int Y);
}
