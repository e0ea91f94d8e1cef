using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.EngineIo;
using SocketIo.Server.Hosting;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Hosting;

/// <summary>
/// A client that stops reading, over each way a session can be served (ASP.NET Core WebSockets, the direct socket
/// listener, long-polling): the server holds at most <see cref="EngineIoOptions.MaxBufferedOutboundBytes"/> for it,
/// closes it with <c>transport error</c>, a log line and a metric, drops volatile packets instead of queueing
/// them, and serves the other clients all the while.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SlowClientTests
{
    private const long Limit = 256 * 1024;
    private static readonly string Payload = new('p', 16 * 1024);

    private WebApplication _app = null!;
    private RecordingLoggerProvider _logs = null!;
    private MetricCollector<long> _limitReached = null!;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<DisconnectReason>> _disconnects = new();
    private readonly ConcurrentDictionary<string, bool> _joined = new();
    private int _port;

    private SocketIoServer Io => _app.Services.GetRequiredService<SocketIoServer>();

    private async Task StartAsync(bool direct)
    {
        _logs = new RecordingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(_logs);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (direct)
            {
                listen.UseDirectWebSockets();
            }
        }));
        builder.Services.AddMetrics();
        var socketIo = builder.Services.AddSocketIo(o => o.Engine.MaxBufferedOutboundBytes = Limit);
        if (direct)
        {
            socketIo.AddDirectWebSockets();
        }

        _app = builder.Build();
        _app.MapSocketIo();
        Io.OnConnection(async (socket, _) =>
        {
            var disconnected = _disconnects.GetOrAdd(socket.Id, _ => new TaskCompletionSource<DisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously));
            socket.OnDisconnect(reason =>
            {
                disconnected.TrySetResult(reason);
                return ValueTask.CompletedTask;
            });
            await socket.JoinAsync("room");
            _joined[socket.Id] = true;
        });
        await _app.StartAsync().WithTimeout("the host to start");
        _limitReached = new MetricCollector<long>(_app.Services.GetRequiredService<IMeterFactory>(), "SocketIoNet", "engineio.outbound.limit_reached");
        _port = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    [TearDown]
    public async Task StopAsync()
    {
        _limitReached?.Dispose();
        if (_app is not null)
        {
            await Io.CloseAsync();
            await _app.DisposeAsync();
        }

        _logs?.Dispose();
        _disconnects.Clear();
        _joined.Clear();
    }

    private Task<DisconnectReason> DisconnectOf(string socketId) =>
        _disconnects.GetOrAdd(socketId, _ => new TaskCompletionSource<DisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private long Count(string outcome) =>
        _limitReached.GetMeasurementSnapshot().Where(m => Equals(m.Tags["outcome"], outcome)).Sum(m => m.Value);

    private async Task<SioRawClient> ConnectReaderAsync()
    {
        var client = await SioRawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{_port}/socket.io/?EIO=4&transport=websocket"));
        var id = await client.ConnectNamespaceAsync();
        await Signals.UntilAsync(() => _joined.ContainsKey(id), "the reader joined the room");
        return client;
    }

    /// <summary>
    /// Broadcasts 16 KiB messages to the room, one at a time, each read by <paramref name="reader"/> before the next
    /// (so only the stalled session can fall behind), until <paramref name="slowSocketId"/> is disconnected.
    /// Returns how many were sent and the most the stalled session held after any of them.
    /// </summary>
    private async Task<(int Sent, long MaxHeld)> BroadcastUntilDisconnectedAsync(SioRawClient reader, string engineSid, string slowSocketId)
    {
        var disconnected = DisconnectOf(slowSocketId);
        long maxHeld = 0;
        var sent = 0;
        // 8 MB: far more than the limit plus what the kernel buffers of a connection that does not read can take.
        while (!disconnected.IsCompleted && sent < 500)
        {
            await Io.To("room").EmitAsync("big", sent, Payload);
            sent++;
            if (Io.Engine.TryGetClient(engineSid, out var session))
            {
                maxHeld = Math.Max(maxHeld, session!.OutboundBytes);
            }

            var received = await reader.ReceiveTextAsync();
            Assert.That(received, Does.StartWith($"2[\"big\",{sent - 1},"), "the reader gets every message, in order, at once");
        }

        return (sent, maxHeld);
    }

    [TestCase(false, TestName = "A WebSocket client that stops reading is closed at the limit (ASP.NET Core WebSockets)")]
    [TestCase(true, TestName = "A WebSocket client that stops reading is closed at the limit (direct socket listener)")]
    public async Task A_websocket_client_that_stops_reading_is_closed_at_the_limit(bool direct)
    {
        await StartAsync(direct);
        using var reader = await ConnectReaderAsync();
        using var stalled = await StalledWebSocketClient.ConnectAsync(_port);
        await Signals.UntilAsync(() => _joined.ContainsKey(stalled.SocketId), "the stalled client joined the room");

        var (sent, maxHeld) = await BroadcastUntilDisconnectedAsync(reader, stalled.EngineSid, stalled.SocketId);

        Assert.That(await DisconnectOf(stalled.SocketId).WithTimeout("the stalled client to be disconnected"), Is.EqualTo(DisconnectReason.TransportError), $"after {sent} messages");
        Assert.That(maxHeld, Is.LessThanOrEqualTo(Limit));
        Assert.That(maxHeld, Is.GreaterThan(Limit / 2), "the session did fill up to near the limit before it was closed");
        Assert.That(Io.Engine.TryGetClient(stalled.EngineSid, out _), Is.False);
        Assert.That(Count("closed"), Is.EqualTo(1));
        Assert.That(_logs.Entries.Single(e => e.EventId == 1020).Message, Does.Contain(stalled.EngineSid));

        // The reader is untouched and still served.
        await Io.To("room").EmitAsync("after", 1);
        Assert.That(await reader.ReceiveTextAsync(), Is.EqualTo("2[\"after\",1]"));
        Assert.That(Count("dropped"), Is.Zero);
    }

    [TestCase(false, TestName = "Volatile packets to a client that stops reading are dropped, not queued (ASP.NET Core WebSockets)")]
    [TestCase(true, TestName = "Volatile packets to a client that stops reading are dropped, not queued (direct socket listener)")]
    public async Task Volatile_packets_to_a_client_that_stops_reading_are_dropped(bool direct)
    {
        await StartAsync(direct);
        using var reader = await ConnectReaderAsync();
        using var stalled = await StalledWebSocketClient.ConnectAsync(_port);
        await Signals.UntilAsync(() => _joined.ContainsKey(stalled.SocketId), "the stalled client joined the room");
        Assert.That(Io.Engine.TryGetClient(stalled.EngineSid, out var session), Is.True);

        // 8 MB of volatile messages: all of it would be queued for the stalled client without the limit.
        for (var i = 0; i < 500; i++)
        {
            await Io.To("room").Volatile.EmitAsync("v", i, Payload);
            Assert.That(session!.OutboundBytes, Is.LessThanOrEqualTo(Limit), $"after volatile message {i}");
        }

        Assert.That(session!.ReadyState, Is.EqualTo(EngineIoReadyState.Open), "volatile packets never close a session");
        Assert.That(DisconnectOf(stalled.SocketId).IsCompleted, Is.False);
        Assert.That(await reader.ReceiveTextAsync(), Does.StartWith("2[\"v\",0,"), "the reader was sent volatile messages");

        // A packet that must arrive still closes the stalled session: at the latest once the kernel's buffers of the
        // connection are full too, which on a machine with large TCP buffers (tcp_wmem) takes more than the limit. The
        // bound (32 MB) is only there so that a broken limit fails here instead of looping for ever.
        await Io.To(stalled.SocketId).EmitAsync("must", Payload);
        for (var i = 0; i < 2000 && !DisconnectOf(stalled.SocketId).IsCompleted; i++)
        {
            await Io.To(stalled.SocketId).EmitAsync("must", Payload);
        }

        Assert.That(await DisconnectOf(stalled.SocketId).WithTimeout("the stalled client to be disconnected"), Is.EqualTo(DisconnectReason.TransportError));
    }

    [Test]
    public async Task A_polling_client_that_stops_polling_is_closed_at_the_limit()
    {
        await StartAsync(direct: false);
        using var reader = await ConnectReaderAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = Signals.DefaultTimeout };
        var open = await http.GetStringAsync("/socket.io/?EIO=4&transport=polling");
        var engineSid = System.Text.Json.Nodes.JsonNode.Parse(open[1..])!["sid"]!.GetValue<string>();
        var query = $"/socket.io/?EIO=4&transport=polling&sid={engineSid}";
        using (var post = await http.PostAsync(query, new StringContent("40")))
        {
            Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var connected = await http.GetStringAsync(query);
        Assert.That(connected, Does.StartWith("40{\"sid\":\""));
        var socketId = System.Text.Json.Nodes.JsonNode.Parse(connected[2..])!["sid"]!.GetValue<string>();
        await Signals.UntilAsync(() => _joined.ContainsKey(socketId), "the polling client joined the room");
        // From here on the client never polls again.

        var (sent, maxHeld) = await BroadcastUntilDisconnectedAsync(reader, engineSid, socketId);

        Assert.That(await DisconnectOf(socketId).WithTimeout("the polling client to be disconnected"), Is.EqualTo(DisconnectReason.TransportError));
        // Nothing leaves a session that is not polled: it takes exactly what fits (each message ≈ 16 KiB + 20 bytes).
        Assert.That(sent, Is.InRange(Limit / (Payload.Length + 40), (Limit / Payload.Length) + 1));
        Assert.That(maxHeld, Is.LessThanOrEqualTo(Limit).And.GreaterThan(Limit - Payload.Length - 100));
        Assert.That(Count("closed"), Is.EqualTo(1));
        Assert.That(_logs.Entries.Single(e => e.EventId == 1020).Message, Does.Contain(engineSid));
    }
}
