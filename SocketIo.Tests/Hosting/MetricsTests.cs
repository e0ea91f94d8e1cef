using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Hosting;

namespace SocketIo.Tests.Hosting;

/// <summary>The <c>SocketIoNet</c> meter, read with MetricCollector through the host's IMeterFactory.</summary>
[TestFixture]
public sealed class MetricsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Connections_sockets_events_and_bytes_are_counted()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMetrics();
        builder.Services.AddSocketIo();
        await using var app = builder.Build();
        app.MapSocketIo();
        var io = app.Services.GetRequiredService<SocketIoServer>();
        io.OnConnection((socket, _) =>
        {
            socket.On("ping-me", e => io.EmitAsync("pong", e.Args[0]));
            return ValueTask.CompletedTask;
        });
        await app.StartAsync();
        var meters = app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var connections = new MetricCollector<long>(meters, "SocketIoNet", "engineio.connections.active");
        using var sockets = new MetricCollector<long>(meters, "SocketIoNet", "socketio.sockets.active");
        using var received = new MetricCollector<long>(meters, "SocketIoNet", "socketio.events.received");
        using var sent = new MetricCollector<long>(meters, "SocketIoNet", "socketio.events.sent");
        using var recipients = new MetricCollector<long>(meters, "SocketIoNet", "socketio.broadcast.recipients");
        using var bytesIn = new MetricCollector<long>(meters, "SocketIoNet", "engineio.bytes.received");

        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var ws = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Wait);
        await ws.ConnectAsync(new Uri($"ws://{url.Authority}/socket.io/?EIO=4&transport=websocket"), timeout.Token);
        Assert.That(await ReceiveAsync(ws, timeout.Token), Does.StartWith("0{"));
        await SendAsync(ws, "40", timeout.Token);
        Assert.That(await ReceiveAsync(ws, timeout.Token), Does.StartWith("40{\"sid\":"));
        await SendAsync(ws, "42[\"ping-me\",\"x\"]", timeout.Token);
        Assert.That(await ReceiveAsync(ws, timeout.Token), Is.EqualTo("42[\"pong\",\"x\"]"));

        Assert.Multiple(() =>
        {
            Assert.That(Sum(connections, "transport", "websocket"), Is.EqualTo(1));
            Assert.That(Sum(sockets, "namespace", "/"), Is.EqualTo(1));
            Assert.That(Sum(received, "namespace", "/"), Is.EqualTo(1));
            Assert.That(Sum(sent, "namespace", "/"), Is.EqualTo(1), "one broadcast to one recipient");
            Assert.That(recipients.GetMeasurementSnapshot().Select(m => m.Value), Is.EqualTo(new long[] { 1 }));
            Assert.That(Sum(bytesIn, null, null), Is.EqualTo("0".Length + "2[\"ping-me\",\"x\"]".Length), "message payload bytes: 40 and the event");
        });

        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        // +1 then -1: the close is counted once the session ends.
        await connections.WaitForMeasurementsAsync(2, Wait);
        await sockets.WaitForMeasurementsAsync(2, Wait);
        Assert.Multiple(() =>
        {
            Assert.That(Sum(connections, "transport", "websocket"), Is.Zero);
            Assert.That(Sum(sockets, "namespace", "/"), Is.Zero);
        });
        await app.StopAsync();
    }

    private static long Sum(MetricCollector<long> collector, string? tag, string? value) =>
        collector.GetMeasurementSnapshot()
            .Where(m => tag is null || (m.Tags.TryGetValue(tag, out var v) && (string?)v == value))
            .Sum(m => m.Value);

    private static Task SendAsync(ClientWebSocket ws, string text, CancellationToken ct) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct);

    private static async Task<string> ReceiveAsync(ClientWebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var result = await ws.ReceiveAsync(buffer, ct);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
