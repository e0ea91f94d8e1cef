using System.Net;
using NUnit.Framework;
using SocketIo.Tests.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Hosting;

/// <summary>
/// <c>EngineIoOptions.AddTrailingSlash</c> (Node: <c>addTrailingSlash</c>): by default only <c>/socket.io/…</c> is the
/// endpoint; off, <c>/socket.io?…</c> is too, which is what clients configured with <c>addTrailingSlash: false</c> send.
/// </summary>
[TestFixture]
public sealed class AddTrailingSlashTests
{
    private static async Task<HttpStatusCode> GetAsync(Uri url, string pathAndQuery)
    {
        using var http = new HttpClient { Timeout = Signals.DefaultTimeout };
        using var response = await http.GetAsync(new Uri(url, pathAndQuery));
        return response.StatusCode;
    }

    [Test]
    public async Task ByDefault_ThePathWithoutItsSlash_IsNotTheEndpoint()
    {
        await using var host = await SioTestHost.StartAsync();

        Assert.That(await GetAsync(host.Url, "/socket.io/?EIO=4&transport=polling"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await GetAsync(host.Url, "/socket.io?EIO=4&transport=polling"), Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Off_ThePathIsServedWithAndWithoutItsSlash()
    {
        await using var host = await SioTestHost.StartAsync(o => o.Engine.AddTrailingSlash = false);

        Assert.That(await GetAsync(host.Url, "/socket.io?EIO=4&transport=polling"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await GetAsync(host.Url, "/socket.io/?EIO=4&transport=polling"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await GetAsync(host.Url, "/socket.iox?EIO=4&transport=polling"), Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Off_TheLeanListener_OpensWebSocketsAtThePathWithoutItsSlash()
    {
        await using var host = await DirectWebSocketApp.StartAsync(configure: o => o.Engine.AddTrailingSlash = false);
        var before = host.Listener.DirectSessions;

        using var raw = await RawHttpConnection.ConnectAsync(host.Port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, "/socket.io?EIO=4&transport=websocket"));
        var response = await raw.ReadResponseAsync();

        Assert.That(response.StatusCode, Is.EqualTo(101));
        Assert.That(response.Header("Date"), Is.Null, "not Kestrel's answer");
        await Signals.UntilAsync(() => host.Listener.DirectSessions == before + 1, "the lean listener to count the session it served");
    }
}
