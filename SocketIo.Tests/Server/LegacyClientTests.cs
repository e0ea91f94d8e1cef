using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// socket.io 2.x clients on the Socket.IO layer (<c>AllowEIO3</c>; socket.io 4.8.4's <c>conn.protocol === 3</c>
/// branches), driven with raw Engine.IO v3 polling: the implicit connection to <c>/</c>, CONNECT with a query as the
/// auth, ids derived from the Engine.IO id, CONNECT without data, and CONNECT_ERROR carrying the error's data or message.
/// </summary>
[TestFixture]
public sealed class LegacyClientTests
{
    private sealed class V3Client(Uri baseAddress) : IDisposable
    {
        private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = Signals.DefaultTimeout };

        public string Sid { get; private set; } = string.Empty;

        private Uri SessionUri => new($"/socket.io/?EIO=3&transport=polling&b64=1&sid={Uri.EscapeDataString(Sid)}", UriKind.Relative);

        public async Task OpenAsync()
        {
            var records = await GetAsync(new Uri("/socket.io/?EIO=3&transport=polling&b64=1", UriKind.Relative));
            Sid = JsonNode.Parse(records[0][1..])!["sid"]!.GetValue<string>();
        }

        /// <summary>POSTs Engine.IO message packets (the <c>4</c> is added) in one v3 payload.</summary>
        public async Task PostAsync(params string[] packets)
        {
            var body = string.Concat(packets.Select(p => $"{p.Length + 1}:4{p}"));
            using var content = new StringContent(body, Encoding.UTF8, "text/plain");
            using var response = await _http.PostAsync(SessionUri, content);
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("ok"));
        }

        /// <summary>GETs until a payload carries messages; returns them without the Engine.IO <c>4</c>.</summary>
        public async Task<List<string>> ReceiveAsync()
        {
            while (true)
            {
                var messages = (await GetAsync(SessionUri)).Where(r => r.StartsWith('4')).Select(r => r[1..]).ToList();
                if (messages.Count > 0)
                {
                    return messages;
                }
            }
        }

        private async Task<List<string>> GetAsync(Uri uri)
        {
            using var response = await _http.GetAsync(uri);
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            var records = new List<string>();
            while (body.Length > 0)
            {
                var colon = body.IndexOf(':', StringComparison.Ordinal);
                var length = int.Parse(body[..colon], System.Globalization.CultureInfo.InvariantCulture);
                records.Add(body.Substring(colon + 1, length));
                body = body[(colon + 1 + length)..];
            }

            return records;
        }

        public void Dispose() => _http.Dispose();
    }

    private static Task<SioTestHost> StartAsync() => SioTestHost.StartAsync(o => o.Engine.AllowEIO3 = true);

    [Test]
    public async Task TheClientIsConnectedToRoot_WithoutACONNECT_AndItsIdIsTheEngineId()
    {
        await using var host = await StartAsync();
        var connected = new TaskCompletionSource<SocketIoSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.OnConnection((s, _) =>
        {
            connected.TrySetResult(s);
            return ValueTask.CompletedTask;
        });
        using var client = new V3Client(host.Url);
        await client.OpenAsync();

        Assert.That(await client.ReceiveAsync(), Is.EqualTo<string[]>(["0"]), "CONNECT with no data");
        var socket = await connected.Task.WithTimeout("the connection to /");
        Assert.That(socket.Id, Is.EqualTo(client.Sid));
        Assert.That(socket.Conn.Protocol, Is.EqualTo(3), "Node's socket.conn.protocol of a socket.io 2.x client");
    }

    [Test]
    public async Task CONNECTWithAQuery_TheQueryIsTheAuth_AndTheIdIsNspHashEngineId()
    {
        await using var host = await StartAsync();
        var connected = new TaskCompletionSource<SocketIoSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.Of("/custom").OnConnection((s, _) =>
        {
            connected.TrySetResult(s);
            return ValueTask.CompletedTask;
        });
        using var client = new V3Client(host.Url);
        await client.OpenAsync();
        await client.ReceiveAsync();

        await client.PostAsync("0/custom?token=abc&n=1,");

        Assert.That(await client.ReceiveAsync(), Is.EqualTo<string[]>(["0/custom,"]));
        var socket = await connected.Task.WithTimeout("the connection to /custom");
        Assert.That(socket.Id, Is.EqualTo("/custom#" + client.Sid));
        Assert.That(socket.Handshake.Auth.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("""{"token":"abc","n":"1"}"""));
    }

    [TestCase(true, """4/mw,{"reason":"bad token"}""")]
    [TestCase(false, "4/mw,\"not authorized\"")]
    public async Task AMiddlewareRefusal_CarriesTheDataOrElseTheMessage(bool withData, string expected)
    {
        await using var host = await StartAsync();
        host.Io.Of("/mw").Use((_, _) => throw (withData
            ? new ConnectionRejectedException("not authorized", new { reason = "bad token" })
            : new ConnectionRejectedException("not authorized")));
        using var client = new V3Client(host.Url);
        await client.OpenAsync();
        await client.ReceiveAsync();

        await client.PostAsync("0/mw,");

        Assert.That(await client.ReceiveAsync(), Is.EqualTo<string[]>([expected]));
    }
}
