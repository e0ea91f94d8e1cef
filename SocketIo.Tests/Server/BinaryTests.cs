using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Binary events over a real connection (socket.io test/messaging-many.ts and socket.ts "binary"; protocol.md
/// "Binary"): attachments follow the text header as separate binary frames, at any depth, both ways.
/// </summary>
[TestFixture]
public sealed class BinaryTests
{
    private static async Task<(SioTestHost Host, SioRawClient Client, SocketIoSocket Socket, SioRecorder<SocketIoEvent> Events)> StartAsync(string nsp = "/")
    {
        var host = await SioTestHost.StartAsync();
        var events = new SioRecorder<SocketIoEvent>();
        host.Io.Of(nsp).OnConnection((socket, _) =>
        {
            socket.OnAny(events.AddAsync);
            return ValueTask.CompletedTask;
        });
        var client = await host.OpenAsync();
        var sid = await client.ConnectNamespaceAsync(nsp);
        return (host, client, host.Socket(sid, nsp), events);
    }

    [Test]
    public async Task ABinaryEventFromTheClient_ReachesTheHandlerAsBytes()
    {
        var (host, client, _, events) = await StartAsync();
        await using var owner = host;

        await client.SendAsync("""51-["upload",{"_placeholder":true,"num":0},"name"]""");
        await client.SendBinaryAsync([1, 2, 3]);

        var e = await events.FirstAsync("the event");
        Assert.That(e.Name, Is.EqualTo("upload"));
        Assert.That(e.GetValue<byte[]>(0), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(e.Args[0]!.Type, Is.EqualTo(JTokenType.Bytes));
        Assert.That(e.GetValue<string>(1), Is.EqualTo("name"));
    }

    [Test]
    public async Task NestedAttachmentsFromTheClient_AreReplacedAtEveryDepth_InANamespace_WithAnAckId()
    {
        var (host, client, _, events) = await StartAsync("/files");
        await using var owner = host;

        await client.SendAsync("""52-/files,3["nested",{"a":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0}]]""");
        await client.SendBinaryAsync([0xA0]);
        await client.SendBinaryAsync([0xB0, 0xB1]);

        var e = await events.FirstAsync("the event");
        Assert.That(e.HasAck, Is.True);
        Assert.That((byte[])e.Args[0]!["a"]!, Is.EqualTo(new byte[] { 0xB0, 0xB1 }));
        Assert.That((byte[])e.Args[1]![0]!, Is.EqualTo(new byte[] { 0xA0 }));
        await e.AckAsync("stored");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""3/files,3["stored"]"""));
    }

    [Test]
    public async Task ServerBytesAtAnyDepth_GoOutAsOneHeaderAndOneFramePerAttachment()
    {
        var (host, client, socket, _) = await StartAsync();
        await using var owner = host;

        await socket.EmitAsync("srv-bin", new byte[] { 1, 2, 3 }, new { x = new byte[] { 4 } });

        // Observed from Node: 452-["srv-bin",{ph0},{"x":{ph1}}] then two binary frames.
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""52-["srv-bin",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]"""));
        Assert.That(await client.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(await client.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 4 }));
    }

    [Test]
    public async Task MemoryTypesAndJTokenBytes_AreAttachmentsToo()
    {
        var (host, client, socket, _) = await StartAsync("/b");
        await using var owner = host;

        await socket.EmitAsync("mixed", (ReadOnlyMemory<byte>)new byte[] { 1 }, new JObject { ["inner"] = new byte[] { 2 } }, new { m = (Memory<byte>)new byte[] { 3 } });

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo(
            """53-/b,["mixed",{"_placeholder":true,"num":0},{"inner":{"_placeholder":true,"num":1}},{"m":{"_placeholder":true,"num":2}}]"""));
        Assert.That(await client.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 1 }));
        Assert.That(await client.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 2 }));
        Assert.That(await client.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 3 }));
    }

    [Test]
    public async Task ABinaryBroadcast_SendsTheSameFramesToEveryClient()
    {
        await using var host = await SioTestHost.StartAsync();
        using var first = await host.ConnectAsync();
        using var second = await host.ConnectAsync();

        await host.Io.EmitAsync("bin", new byte[] { 9, 8 });

        foreach (var client in new[] { first, second })
        {
            Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""51-["bin",{"_placeholder":true,"num":0}]"""));
            Assert.That(await client.ReceiveBinaryAsync(), Is.EqualTo(new byte[] { 9, 8 }));
        }
    }

    [Test]
    public async Task TheEventsOfTheClient_AreDecodedInOrder_AcrossBinaryAndTextPackets()
    {
        var (host, client, _, events) = await StartAsync();
        await using var owner = host;

        await client.SendAsync("""2["before"]""");
        await client.SendAsync("""51-["bin",{"_placeholder":true,"num":0}]""");
        await client.SendBinaryAsync([5]);
        await client.SendAsync("""2["after"]""");

        var names = await events.WaitForAsync(3, "three events");
        Assert.That(names.Select(e => e.Name), Is.EqualTo<string[]>(["before", "bin", "after"]));
    }

    [Test]
    public async Task SocketIOClient_SendsAndReceivesBytes()
    {
        await using var host = await SioTestHost.StartAsync();
        host.Io.OnConnection((socket, _) =>
        {
            socket.On("echo", e => e.Socket.EmitAsync("echoed", e.GetValue<byte[]>(0)!.Reverse().ToArray()));
            return ValueTask.CompletedTask;
        });
        var client = await host.ConnectClientAsync();
        var echoed = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On("echoed", response => echoed.TrySetResult(response.GetValue<byte[]>(0)));

        await client.EmitAsync("echo", new byte[] { 1, 2, 3 });

        Assert.That(await echoed.Task.WithTimeout("the echo"), Is.EqualTo(new byte[] { 3, 2, 1 }));
    }
}
