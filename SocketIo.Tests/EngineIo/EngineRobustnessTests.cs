using System.Net;
using System.Text;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>Abandoned sessions and malformed input: the server reaps, refuses and keeps serving.</summary>
[TestFixture]
public sealed class EngineRobustnessTests
{
    [Test]
    public async Task ThousandAbandonedPollingSessions_AreAllReapedAfterPingIntervalPlusPingTimeout()
    {
        const int sessions = 1000;
        await using var host = await KestrelEngineHost.StartAsync();

        // Handshake, then never poll again.
        await Parallel.ForEachAsync(
            Enumerable.Range(0, sessions),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (_, _) => await host.HandshakeAsync());
        await host.Handler.WaitForAsync(() => host.Handler.Connections.Count >= sessions ? "all" : null, $"{sessions} connections");
        Assert.That(host.Server.ClientsCount, Is.EqualTo(sessions));

        host.Time.Advance(host.Options.PingInterval);
        Assert.That(host.Server.ClientsCount, Is.EqualTo(sessions), "pings are queued; nobody has timed out yet");
        host.Time.Advance(host.Options.PingTimeout);
        var closes = await host.Handler.WaitForClosesAsync(sessions);

        Assert.That(host.Server.ClientsCount, Is.Zero);
        Assert.That(host.Server.Clients, Is.Empty);
        Assert.That(closes.Select(c => c.Reason), Has.All.EqualTo(EngineIoCloseReasons.PingTimeout));
        Assert.That(closes.Select(c => c.Sid).Distinct().Count(), Is.EqualTo(sessions));
        Assert.That(host.Logs.Errors, Is.Empty);
    }

    [Test]
    public async Task BurstOfMalformedRequests_NeverThrowsOutOfTheServer()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        var statuses = new List<(string What, HttpStatusCode Status)>();

        async Task Send(string what, HttpMethod method, string query, byte[]? body = null, string? contentType = "text/plain;charset=UTF-8")
        {
            using var content = body is null ? null : new ByteArrayContent(body);
            if (content is not null && contentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            using var request = new HttpRequestMessage(method, new Uri(host.BaseAddress, KestrelEngineHost.EnginePath + query)) { Content = content };
            // Every request is answered, a POST whose payload closes the session (parse error) included.
            using var response = await host.Http.SendAsync(request);
            _ = await response.Content.ReadAsByteArrayAsync();
            statuses.Add((what, response.StatusCode));
        }

        async Task<string> FreshSid() => (await host.HandshakeAsync()).Sid;

        // Garbage query strings.
        await Send("no query", HttpMethod.Get, "");
        await Send("bare ?", HttpMethod.Get, "?");
        await Send("percent junk", HttpMethod.Get, "?%%%=%ZZ&&&=&EIO");
        await Send("duplicate transport", HttpMethod.Get, "?EIO=4&transport=polling&transport=websocket");
        await Send("duplicate EIO", HttpMethod.Get, "?EIO=4&EIO=4&transport=polling");
        await Send("encoded sid junk", HttpMethod.Get, "?EIO=4&transport=polling&sid=%00%FF%FE");
        await Send("unicode sid", HttpMethod.Get, "?EIO=4&transport=polling&sid=%E2%82%AC%F0%9F%92%A9");
        await Send("huge EIO", HttpMethod.Get, "?EIO=" + new string('4', 4000) + "&transport=polling");
        await Send("huge sid", HttpMethod.Get, "?EIO=4&transport=polling&sid=" + new string('A', 6000));
        await Send("huge sid POST", HttpMethod.Post, "?EIO=4&transport=polling&sid=" + new string('A', 6000), "4x"u8.ToArray());

        // Bodies that are not what a client would send, each on a fresh session.
        await Send("non-UTF-8 message", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), [(byte)'4', 0xff, 0xfe, 0xc3]);
        await Send("non-UTF-8 type", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), [0xff, 0xfe]);
        await Send("b with invalid base64", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), "b!!!*\u001eb===\u001eb"u8.ToArray());
        await Send("empty body", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), []);
        await Send("no body", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()));
        await Send("separators only", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), "\u001e\u001e\u001e"u8.ToArray());
        await Send("NUL bytes", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), [0, 0, 0]);
        await Send("odd content type", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), "4x"u8.ToArray(), "multipart/form-data; boundary=");
        await Send("no content type", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), "4x"u8.ToArray(), null);
        await Send("open/upgrade/noop from client", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), "0\u001e5\u001e6\u001e3probe"u8.ToArray());
        await Send("large garbage", HttpMethod.Post, "?" + KestrelEngineHost.PollingQuery(await FreshSid()), Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray());

        // Raw bytes Kestrel has to parse.
        var raw = await host.ConnectRawAsync();
        await raw.SendAsync($"GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{host.Port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: not-base64\r\n\r\n");
        var badKey = await raw.ReadResponseAsync();
        Assert.That(badKey.StatusCode, Is.Not.EqualTo(101).And.Not.EqualTo(500));

        var unexpected = statuses.Where(s => s.Status == HttpStatusCode.InternalServerError).ToList();
        Assert.That(unexpected, Is.Empty, "no request ends in a 500");
        Assert.That(host.Logs.Errors, Is.Empty, "nothing escaped the server");

        // The host keeps serving.
        var (fresh, socket) = await host.ConnectPollingAsync();
        await host.PostOkAsync(fresh.Sid, "4alive");
        await host.Handler.WaitForMessageAsync(fresh.Sid, "alive");
        socket.Send("yes");
        Assert.That(await host.PollAsync(fresh.Sid), Is.EqualTo("4yes"));
    }

    [Test]
    public async Task MalformedPayloads_HaveTheReferenceOutcome()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        async Task<(string Sid, HttpStatusCode Status)> PostToFreshSession(byte[] body)
        {
            var (handshake, _) = await host.ConnectPollingAsync();
            using var response = await host.PostBytesAsync(handshake.Sid, body);
            return (handshake.Sid, response.StatusCode);
        }

        var nonUtf8 = await PostToFreshSession([(byte)'4', 0xff, 0xfe]);
        var invalidBase64 = await PostToFreshSession("b!!!"u8.ToArray());
        var empty = await PostToFreshSession([]);
        var badType = await PostToFreshSession([0xff, 0xfe]);

        // A message is bytes: invalid UTF-8 is passed up as it came.
        Assert.That(nonUtf8.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await host.Handler.WaitForMessagesAsync(nonUtf8.Sid, 1))[0].Data, Is.EqualTo(new byte[] { 0xff, 0xfe }));
        // Invalid base64 decodes leniently, as Node's Buffer.from does: an empty binary message.
        Assert.That(invalidBase64.Status, Is.EqualTo(HttpStatusCode.OK));
        var binary = (await host.Handler.WaitForMessagesAsync(invalidBase64.Sid, 1))[0];
        Assert.That(binary.IsBinary, Is.True);
        Assert.That(binary.Data, Is.Empty);
        // An empty record and an unknown type are parse errors; the POST itself is still answered 200, as in Node.
        Assert.That(empty.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(badType.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await host.Handler.WaitForCloseAsync(empty.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.ParseError));
        Assert.That((await host.Handler.WaitForCloseAsync(badType.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.ParseError));
        Assert.That(host.Logs.Errors, Is.Empty);
    }

    [Test]
    public async Task ThrowingHandler_DoesNotTakeTheServerDown()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        host.Handler.ConnectionHook = _ => throw new InvalidOperationException("handler bug");

        var handshake = await host.HandshakeAsync();
        // The server closes a session whose handler threw: the close reaches the client on its next poll.
        Assert.That(await host.PollAsync(handshake.Sid), Is.EqualTo("6\u001e1"));

        Assert.That((await host.Handler.WaitForCloseAsync(handshake.Sid)).Reason, Is.EqualTo(EngineIoCloseReasons.ForcedClose));
        Assert.That(host.Server.ClientsCount, Is.Zero);
        Assert.That(host.Logs.Errors.Select(e => e.Exception?.Message), Is.EqualTo<string[]>(["handler bug"]), "logged, not thrown");

        host.Handler.ConnectionHook = null;
        var (fresh, _) = await host.ConnectPollingAsync();
        Assert.That(fresh.Sid, Is.Not.EqualTo(handshake.Sid));
    }

    [Test]
    public async Task ManyConcurrentSessions_EachGetTheirOwnMessages()
    {
        await using var host = await KestrelEngineHost.StartAsync();
        host.Handler.MessageHook = (socket, message) => socket.Send("echo:" + Encoding.UTF8.GetString(message.Data.Span));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var (handshake, _) = await host.ConnectPollingAsync();
            await host.PostOkAsync(handshake.Sid, $"4m{i}");
            return await host.PollAsync(handshake.Sid);
        }));

        Assert.That(results, Is.EqualTo(Enumerable.Range(0, 20).Select(i => $"4echo:m{i}")));
    }
}
