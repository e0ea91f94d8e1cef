using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Hosting;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Hosting;

/// <summary>
/// permessage-deflate as engine.io sends it (transports/websocket.ts): frames under
/// <c>perMessageDeflate.threshold</c> (1024 bytes) and packets sent with <c>compress(false)</c> go out uncompressed;
/// the rest is deflated (RSV1 set). Seen on the wire with a raw client that offers the extension.
/// </summary>
[TestFixture]
public sealed class PerMessageDeflateTests
{
    private static readonly string Big = new('a', 2000);

    [Test]
    public async Task SmallFramesAndCompressFalse_GoOutUncompressed_LargeOnesDeflated()
    {
        var connected = new TaskCompletionSource<SocketIoSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await SocketIoHost.ListenAsync(0, o => o.Engine.PerMessageDeflate = true);
        host.Server.OnConnection((s, _) =>
        {
            connected.TrySetResult(s);
            return ValueTask.CompletedTask;
        });
        using var raw = await OpenAsync(host.Url.Port);

        var open = await raw.ReadFrameAsync();
        Assert.That(open.Rsv1, Is.False, "the open packet is under the threshold");
        await raw.SendTextFrameAsync("40");
        Assert.That((await raw.ReadFrameAsync()).Rsv1, Is.False, "the CONNECT reply is under the threshold");
        var socket = await connected.Task.WithTimeout("the connection");

        await socket.EmitAsync("big", Big);
        await socket.Compress(false).EmitAsync("big", Big);
        await socket.EmitAsync("small", "x");

        var big = await raw.ReadFrameAsync();
        Assert.That(big.Rsv1, Is.True, "a 2 KB frame is deflated");
        Assert.That(big.Payload, Has.Length.LessThan(200), "and it shrank");
        var uncompressed = await raw.ReadFrameAsync();
        Assert.That(uncompressed.Rsv1, Is.False, "compress(false) is honoured");
        Assert.That(System.Text.Encoding.UTF8.GetString(uncompressed.Payload), Is.EqualTo("42[\"big\",\"" + Big + "\"]"));
        var small = await raw.ReadFrameAsync();
        Assert.That(small.Rsv1, Is.False);
        Assert.That(System.Text.Encoding.UTF8.GetString(small.Payload), Is.EqualTo("""42["small","x"]"""));
    }

    [Test]
    public async Task AThresholdOfZero_DeflatesEveryFrame()
    {
        await using var host = await SocketIoHost.ListenAsync(0, o =>
        {
            o.Engine.PerMessageDeflate = true;
            o.Engine.PerMessageDeflateThreshold = 0;
        });
        using var raw = await OpenAsync(host.Url.Port);

        Assert.That((await raw.ReadFrameAsync()).Rsv1, Is.True, "the open packet too");
    }

    private static async Task<RawHttpConnection> OpenAsync(int port)
    {
        var raw = await RawHttpConnection.ConnectAsync(port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(port, "/socket.io/?EIO=4&transport=websocket", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"));
        var response = await raw.ReadResponseAsync();
        Assert.That(response.StatusCode, Is.EqualTo(101));
        Assert.That(response.Headers.Single(h => h.Key == "Sec-WebSocket-Extensions").Value, Does.StartWith("permessage-deflate"));
        return raw;
    }
}
