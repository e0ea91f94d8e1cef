using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary><see cref="SocketIoOptions.MaxAttachments"/>: more attachments than allowed close the connection, as socket.io-parser 4.2.7 does.</summary>
[TestFixture]
public sealed class MaxAttachmentsTests
{
    [Test]
    public async Task APacketAnnouncingMoreAttachmentsThanAllowed_ClosesItsConnection_AndOnlyThatOne()
    {
        await using var host = await SioTestHost.StartAsync(o => o.MaxAttachments = 2);
        var bad = await host.ConnectAsync();
        var received = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (good, _) = await host.ConnectWithHandlerAsync(socket => socket.On("a", e =>
        {
            received.TrySetResult(e.Args.Count);
            return ValueTask.CompletedTask;
        }));

        await bad.SendAsync("""53-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]""");
        await bad.WaitForCloseAsync();

        await good.SendAsync("""52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]""");
        await good.SendBinaryAsync([1]);
        await good.SendBinaryAsync([2]);
        Assert.That(await received.Task.WithTimeout("the event with two attachments"), Is.EqualTo(2), "two attachments are within the limit");
    }

    [Test]
    public void AnAttachmentCapBelowOne_StopsTheServerAtStartUp()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new SocketIoServer(new SocketIoOptions { MaxAttachments = 0 }));
        Assert.That(error!.Message, Does.Contain("MaxAttachments"));
    }
}
