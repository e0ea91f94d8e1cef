using System.IO.Compression;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using SocketIo.DirectWebSockets;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// permessage-deflate on the direct path (RFC 7692, as ws serves engine.io's <c>perMessageDeflate: true</c>): a client
/// that offers it stays on the lean engine, messages from <c>perMessageDeflateThreshold</c> (1024 bytes) up are
/// deflated unless sent with <c>compress(false)</c>, what the client deflates is inflated within
/// <c>maxHttpBufferSize</c>, and RSV1 without the extension is a protocol error.
/// </summary>
[TestFixture]
public sealed class DirectPerMessageDeflateTests
{
    private const string NewSession = "/socket.io/?EIO=4&transport=websocket";

    // Random text compresses a little on its own and to almost nothing the second time (context takeover).
    private static readonly string Big = Convert.ToBase64String(RandomNumberGenerator.GetBytes(1500));

    [Test]
    public async Task AClientWebSocketOfferingDeflate_IsServedOnTheLeanPath_BothWaysCompressed()
    {
        await using var host = await DirectWebSocketApp.StartAsync(configure: o => o.Engine.PerMessageDeflate = true);
        using var client = new ClientWebSocket();
        client.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        client.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}{NewSession}"), timeout.Token);

        Assert.That(client.HttpResponseHeaders!["Sec-WebSocket-Extensions"].Single(), Is.EqualTo("permessage-deflate"));
        Assert.That(client.HttpResponseHeaders.ContainsKey("Date"), Is.False, "Kestrel's HTTP stack never saw the connection");
        await Signals.UntilAsync(() => host.Listener.DirectSessions == 1, "the direct engine to count its session");

        Assert.That(await ReceiveTextAsync(client, timeout.Token), Does.StartWith("0{"));
        await SendTextAsync(client, "40", timeout.Token);
        Assert.That(await ReceiveTextAsync(client, timeout.Token), Does.StartWith("40{"));
        for (var i = 0; i < 3; i++)
        {
            // ClientWebSocket deflates every message; the server inflates it, and deflates its large ack.
            await SendTextAsync(client, $"42{i}[\"echo\",\"{Big}\"]", timeout.Token);
            Assert.That(await ReceiveTextAsync(client, timeout.Token), Is.EqualTo($"43{i}[\"{Big}\"]"));
        }
    }

    [Test]
    public async Task OnTheWire_LargeFramesAreDeflatedWithContextTakeover_SmallOnesAndCompressFalseAreNot()
    {
        var connected = new TaskCompletionSource<SocketIoSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await DirectWebSocketApp.StartAsync(configure: o => o.Engine.PerMessageDeflate = true);
        host.Io.OnConnection((s, _) =>
        {
            connected.TrySetResult(s);
            return ValueTask.CompletedTask;
        });
        using var raw = await OpenAsync(host.Port, "permessage-deflate; client_max_window_bits", expected: "permessage-deflate");
        using var inflater = new MessageInflater(noContextTakeover: false);

        Assert.That((await raw.ReadFrameAsync()).Rsv1, Is.False, "the open packet is under the threshold");
        await raw.SendTextFrameAsync("40");
        Assert.That((await raw.ReadFrameAsync()).Rsv1, Is.False, "the CONNECT reply is under the threshold");
        var socket = await connected.Task.WithTimeout("the connection");
        Assert.That(host.Listener.DirectSessions, Is.EqualTo(1));

        await socket.EmitAsync("big", Big);
        await socket.EmitAsync("big", Big);
        await socket.Compress(false).EmitAsync("big", Big);
        await socket.EmitAsync("small", "x");

        var expected = "42[\"big\",\"" + Big + "\"]";
        var first = await raw.ReadFrameAsync();
        Assert.That(first.Rsv1, Is.True, "a 2 KB frame is deflated");
        Assert.That(Inflate(inflater, first.Payload), Is.EqualTo(expected));
        var second = await raw.ReadFrameAsync();
        Assert.That(second.Rsv1, Is.True);
        Assert.That(second.Payload, Has.Length.LessThan(first.Payload.Length / 10), "the second copy refers to the first: context takeover");
        Assert.That(Inflate(inflater, second.Payload), Is.EqualTo(expected));
        var plain = await raw.ReadFrameAsync();
        Assert.That(plain.Rsv1, Is.False, "compress(false) is honoured");
        Assert.That(Encoding.UTF8.GetString(plain.Payload), Is.EqualTo(expected));
        var small = await raw.ReadFrameAsync();
        Assert.That(small.Rsv1, Is.False);
        Assert.That(Encoding.UTF8.GetString(small.Payload), Is.EqualTo("42[\"small\",\"x\"]"));
    }

    [Test]
    public async Task ServerNoContextTakeover_DeflatesEveryMessageOnItsOwn()
    {
        var connected = new TaskCompletionSource<SocketIoSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await DirectWebSocketApp.StartAsync(configure: o => o.Engine.PerMessageDeflate = true);
        host.Io.OnConnection((s, _) =>
        {
            connected.TrySetResult(s);
            return ValueTask.CompletedTask;
        });
        using var raw = await OpenAsync(host.Port, "permessage-deflate; server_no_context_takeover", expected: "permessage-deflate; server_no_context_takeover");
        await raw.ReadFrameAsync();
        await raw.SendTextFrameAsync("40");
        await raw.ReadFrameAsync();
        var socket = await connected.Task.WithTimeout("the connection");

        await socket.EmitAsync("big", Big);
        await socket.EmitAsync("big", Big);
        var first = await raw.ReadFrameAsync();
        var second = await raw.ReadFrameAsync();
        Assert.That((first.Rsv1, second.Rsv1), Is.EqualTo((true, true)));
        Assert.That(second.Payload, Is.EqualTo(first.Payload), "each message is deflated from a fresh context");
        using var fresh = new MessageInflater(noContextTakeover: true);
        Assert.That(Inflate(fresh, second.Payload), Is.EqualTo("42[\"big\",\"" + Big + "\"]"));
    }

    [Test]
    public async Task PerMessageDeflateLevel_ZeroStoresTheMessage_StillAValidDeflateStream()
    {
        var connected = new TaskCompletionSource<SocketIoSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await DirectWebSocketApp.StartAsync(configure: o =>
        {
            o.Engine.PerMessageDeflate = true;
            o.Engine.PerMessageDeflateLevel = 0;
        });
        host.Io.OnConnection((s, _) =>
        {
            connected.TrySetResult(s);
            return ValueTask.CompletedTask;
        });
        using var raw = await OpenAsync(host.Port, "permessage-deflate", expected: "permessage-deflate");
        await raw.ReadFrameAsync();
        await raw.SendTextFrameAsync("40");
        await raw.ReadFrameAsync();
        var socket = await connected.Task.WithTimeout("the connection");

        var repeated = new string('z', 3000);
        await socket.EmitAsync("big", repeated);
        var frame = await raw.ReadFrameAsync();
        var message = "42[\"big\",\"" + repeated + "\"]";
        Assert.That(frame.Rsv1, Is.True);
        Assert.That(frame.Payload, Has.Length.GreaterThanOrEqualTo(message.Length), "stored, not compressed (level 6 makes it a few dozen bytes)");
        using var inflater = new MessageInflater(noContextTakeover: false);
        Assert.That(Inflate(inflater, frame.Payload), Is.EqualTo(message));
    }

    [Test]
    public async Task AMessageTheClientDeflatedInFragments_IsInflated()
    {
        await using var host = await DirectWebSocketApp.StartAsync(configure: o => o.Engine.PerMessageDeflate = true);
        using var raw = await OpenAsync(host.Port, "permessage-deflate", expected: "permessage-deflate");
        await raw.ReadFrameAsync();
        await raw.SendTextFrameAsync("40");
        await raw.ReadFrameAsync();

        var deflated = Deflate("421[\"echo\",\"" + Big + "\"]");
        var half = deflated.Length / 2;
        await raw.SendFrameAsync(0x41, deflated.AsSpan(0, half)); // text, RSV1, not FIN
        await raw.SendFrameAsync(0x89, "ping"u8); // a ping between the fragments
        await raw.SendFrameAsync(0x80, deflated.AsSpan(half)); // continuation, FIN

        Assert.That((await raw.ReadFrameAsync()).Opcode, Is.EqualTo(0xA), "the pong");
        var ack = await raw.ReadFrameAsync();
        Assert.That(ack.Rsv1, Is.True);
        using var inflater = new MessageInflater(noContextTakeover: false);
        Assert.That(Inflate(inflater, ack.Payload), Is.EqualTo("431[\"" + Big + "\"]"));
    }

    [Test]
    public async Task Rsv1WithoutNegotiation_IsAProtocolError_1002()
    {
        await using var host = await DirectWebSocketApp.StartAsync(); // PerMessageDeflate off: the offer is ignored
        using var raw = await OpenAsync(host.Port, "permessage-deflate", expected: null);
        await raw.ReadFrameAsync();
        await Signals.UntilAsync(() => host.Listener.DirectSessions == 1, "the direct engine to count its session");

        await raw.SendFrameAsync(0xC1, Deflate("40"));
        var close = await raw.ReadFrameAsync();
        Assert.That(close.Opcode, Is.EqualTo(8));
        Assert.That((close.Payload[0] << 8) | close.Payload[1], Is.EqualTo(1002));
        Assert.That(await raw.WaitForPeerCloseAsync(), Is.True);
    }

    [Test]
    public async Task Rsv1OnAContinuationFrame_IsAProtocolError_1002()
    {
        await using var host = await DirectWebSocketApp.StartAsync(configure: o => o.Engine.PerMessageDeflate = true);
        using var raw = await OpenAsync(host.Port, "permessage-deflate", expected: "permessage-deflate");
        await raw.ReadFrameAsync();

        await raw.SendFrameAsync(0x01, "4"u8);
        await raw.SendFrameAsync(0xC0, Deflate("0"));
        var close = await raw.ReadFrameAsync();
        Assert.That((close.Opcode, (close.Payload[0] << 8) | close.Payload[1]), Is.EqualTo((8, 1002)));
    }

    [Test]
    public async Task AnInflateBomb_IsClosedWith1009_WithoutInflatingItIntoMemory()
    {
        await using var host = await DirectWebSocketApp.StartAsync(configure: o => o.Engine.PerMessageDeflate = true);
        using var raw = await OpenAsync(host.Port, "permessage-deflate", expected: "permessage-deflate");
        await raw.ReadFrameAsync();
        await raw.SendTextFrameAsync("40");
        await raw.ReadFrameAsync();

        // 64 MB of zeros weigh 64 KB deflated; maxHttpBufferSize is 1 MB.
        const int inflated = 64 << 20;
        var bomb = Deflate(new byte[inflated]);
        Assert.That(bomb.Length, Is.LessThan(100_000));
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        await raw.SendFrameAsync(0xC2, bomb); // binary, RSV1, FIN

        var close = await raw.ReadFrameAsync();
        Assert.That(close.Opcode, Is.EqualTo(8));
        Assert.That((close.Payload[0] << 8) | close.Payload[1], Is.EqualTo(1009));
        Assert.That(Encoding.UTF8.GetString(close.Payload.AsSpan(2)), Is.EqualTo("Max payload size exceeded"));
        Assert.That(await raw.WaitForPeerCloseAsync(), Is.True);
        // The process allocated a few megabytes at most (the transport's message buffer up to its limit), not the bomb.
        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore, Is.LessThan(inflated / 4));
    }

    [Test]
    public async Task InvalidDeflateData_ClosesTheConnection()
    {
        await using var host = await DirectWebSocketApp.StartAsync(configure: o => o.Engine.PerMessageDeflate = true);
        using var raw = await OpenAsync(host.Port, "permessage-deflate", expected: "permessage-deflate");
        await raw.ReadFrameAsync();

        await raw.SendFrameAsync(0xC1, [0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        var close = await raw.ReadFrameAsync();
        Assert.That((close.Opcode, close.Payload), Is.EqualTo((8, Array.Empty<byte>())), "ws closes on a zlib error without a code");
        Assert.That(await raw.WaitForPeerCloseAsync(), Is.True);
    }

    [Test]
    public async Task AnInvalidOffer_IsAnswered400AsWsAnswersIt()
    {
        await using var host = await DirectWebSocketApp.StartAsync(configure: o => o.Engine.PerMessageDeflate = true);
        using var raw = await RawHttpConnection.ConnectAsync(host.Port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(host.Port, NewSession, "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=99"));
        var response = await raw.ReadResponseAsync();

        Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.1 400 Bad Request"));
        Assert.That(
            string.Join("\n", response.Headers.Select(h => h.Key + ": " + h.Value)),
            Is.EqualTo("Connection: close\nContent-Type: text/html\nContent-Length: 55"));
        Assert.That(Encoding.UTF8.GetString(response.Body), Is.EqualTo("Invalid or unacceptable Sec-WebSocket-Extensions header"));
        Assert.That(await raw.WaitForPeerCloseAsync(), Is.True);
        Assert.That(host.Listener.DirectSessions, Is.Zero);
    }

    [Test]
    public async Task AnOfferItCannotHonour_IsServedUncompressed_OnTheLeanPath()
    {
        await using var host = await DirectWebSocketApp.StartAsync(configure: o =>
        {
            o.Engine.PerMessageDeflate = true;
            o.Engine.PerMessageDeflateThreshold = 0;
        });
        using var raw = await OpenAsync(host.Port, "permessage-deflate; server_max_window_bits=10", expected: null);

        Assert.That((await raw.ReadFrameAsync()).Rsv1, Is.False, "no extension: nothing is deflated, even at a threshold of 0");
        await Signals.UntilAsync(() => host.Listener.DirectSessions == 1, "the direct engine to count its session");
    }

    private static async Task<RawHttpConnection> OpenAsync(int port, string offer, string? expected)
    {
        var raw = await RawHttpConnection.ConnectAsync(port);
        await raw.SendAsync(RawHttpConnection.UpgradeRequest(port, NewSession, "Sec-WebSocket-Extensions: " + offer));
        var response = await raw.ReadResponseAsync();
        Assert.That(response.StatusCode, Is.EqualTo(101));
        Assert.That(response.Headers.Any(h => h.Key == "Date"), Is.False, "answered by the direct engine");
        Assert.That(response.Headers.Where(h => h.Key == "Sec-WebSocket-Extensions").Select(h => h.Value).SingleOrDefault(), Is.EqualTo(expected));
        return raw;
    }

    /// <summary>A message deflated as a client does it: sync-flushed, the trailer removed.</summary>
    private static byte[] Deflate(string text) => Deflate(Encoding.UTF8.GetBytes(text));

    private static byte[] Deflate(byte[] data)
    {
        using var deflater = new MessageDeflater(noContextTakeover: true);
        return deflater.Compress(data, endOfMessage: true).ToArray();
    }

    private static string Inflate(MessageInflater inflater, byte[] payload)
    {
        inflater.Feed(payload);
        inflater.FeedTrailer();
        var output = new byte[1 << 20];
        var length = inflater.Inflate(output);
        inflater.EndMessage();
        return Encoding.UTF8.GetString(output, 0, length);
    }

    private static async Task SendTextAsync(ClientWebSocket client, string text, CancellationToken cancellationToken) =>
        await client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    private static async Task<string> ReceiveTextAsync(ClientWebSocket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        var length = 0;
        while (true)
        {
            var result = await client.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }
        }
    }
}
