using System.Net;
using NUnit.Framework;
using SocketIo.Server.Hosting;

namespace SocketIo.Tests.Hosting;

/// <summary>Serving the browser client like Node's <c>serveClient</c>: ETag = version, 304, content type, compression.</summary>
[TestFixture]
public sealed class ClientFilesTests
{
    private static string ClientDist()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "node_modules", "socket.io-client", "dist");
            if (File.Exists(Path.Combine(candidate, "socket.io.js")))
            {
                return candidate;
            }
        }

        Assert.Fail("node_modules/socket.io-client/dist not found: run `npm ci` in the repository root.");
        return string.Empty;
    }

    [Test]
    public async Task The_client_is_served_with_Nodes_headers_and_revalidation()
    {
        await using var host = await SocketIoHost.ListenAsync(0, o => o.ClientFilesDirectory = ClientDist());
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = host.Url };

        var script = await http.GetAsync("/socket.io/socket.io.js");
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(script.Content.Headers.ContentType!.ToString(), Is.EqualTo("application/javascript; charset=utf-8"));
        Assert.That(script.Headers.ETag!.Tag, Is.EqualTo("\"4.8.4\""));
        Assert.That(script.Headers.CacheControl!.ToString(), Is.EqualTo("public, max-age=0"));
        Assert.That(await script.Content.ReadAsStringAsync(), Does.Contain("Socket.IO v4.8.4"));

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, "/socket.io/socket.io.min.js");
        revalidate.Headers.TryAddWithoutValidation("If-None-Match", "W/\"4.8.4\"");
        Assert.That((await http.SendAsync(revalidate)).StatusCode, Is.EqualTo(HttpStatusCode.NotModified));

        using var gzip = new HttpRequestMessage(HttpMethod.Get, "/socket.io/socket.io.js.map");
        gzip.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        var map = await http.SendAsync(gzip);
        Assert.That(map.Content.Headers.ContentEncoding.Single(), Is.EqualTo("gzip"));
        Assert.That(map.Content.Headers.ContentType!.ToString(), Is.EqualTo("application/json; charset=utf-8"));

        // Other names under the path are Engine.IO requests, as in Node.
        var other = await http.GetAsync("/socket.io/not-a-client-file.js");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
