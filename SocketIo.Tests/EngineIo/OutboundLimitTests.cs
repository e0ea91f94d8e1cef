using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// <see cref="EngineIoOptions.MaxBufferedOutboundBytes"/> on the session state machine, with a scripted transport:
/// what is counted as held, what a write that does not fit does (volatile: dropped; otherwise: the session closes),
/// and the log line and metric that report it.
/// </summary>
[TestFixture]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class OutboundLimitTests : IDisposable
{
    private const string Sid = "AAAAAAAAAAAAAAAAAAA1";
    private const long Limit = 1000;

    private readonly FakeTimeProvider _time = new();
    private readonly RecordingEngineHandler _handler = new();
    private readonly RecordingLoggerProvider _logs = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ILoggerFactory _loggerFactory;
    private readonly MetricCollector<long> _limitReached;
    private readonly EngineIoServer _server;

    public OutboundLimitTests()
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs));
        var meters = _services.GetRequiredService<IMeterFactory>();
        _limitReached = new MetricCollector<long>(meters, "SocketIoNet", "engineio.outbound.limit_reached");
        _server = new EngineIoServer(
            new EngineIoOptions { TimeProvider = _time, MaxBufferedOutboundBytes = Limit },
            _handler,
            _loggerFactory.CreateLogger<EngineIoServer>(),
            meters);
    }

    public void Dispose()
    {
        _limitReached.Dispose();
        _loggerFactory.Dispose();
        _services.Dispose();
    }

    /// <summary>A message packet of <paramref name="bytes"/> counted bytes (payload + type digit).</summary>
    private static EnginePacket Message(int bytes) => EnginePacket.Message(new string('x', bytes - 1));

    /// <summary>A polling-like session whose open packet has gone out and whose client is not polling.</summary>
    private (EngineIoSocket Socket, FakeEngineTransport Transport) OpenStalled()
    {
        var transport = new FakeEngineTransport(oneShot: true);
        var socket = _server.Accept(Sid, transport, EngineIoRequests.Polling());
        Assert.That(transport.Batches, Has.Count.EqualTo(1), "the open packet took the pending poll");
        return (socket, transport);
    }

    private long Count(string outcome) =>
        _limitReached.GetMeasurementSnapshot().Where(m => Equals(m.Tags["outcome"], outcome)).Sum(m => m.Value);

    [Test]
    public void Writes_that_fit_are_queued_and_counted_as_held()
    {
        var (socket, _) = OpenStalled();

        Assert.That(socket.Write([Message(400)], isVolatile: false), Is.EqualTo(EngineWriteResult.Written));
        Assert.That(socket.Write([Message(300), Message(300)], isVolatile: false), Is.EqualTo(EngineWriteResult.Written));
        Assert.That(socket.OutboundBytes, Is.EqualTo(Limit), "exactly at the limit still fits");
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public void A_write_past_the_limit_closes_the_session_with_transport_error_a_log_line_and_a_metric()
    {
        var (socket, transport) = OpenStalled();
        socket.Write([Message(900)], isVolatile: false);

        Assert.That(socket.Write([Message(200)], isVolatile: false), Is.EqualTo(EngineWriteResult.Full));

        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
        Assert.That(_handler.Closes.Single(), Is.EqualTo(new ClosedSession(Sid, EngineIoCloseReasons.TransportError, EngineIoSocket.OutboundLimitDescription)));
        Assert.That(socket.OutboundBytes, Is.Zero, "the buffer is released with the session");
        Assert.That(transport.CloseCalls, Is.EqualTo(1));
        Assert.That(transport.Batches, Has.Count.EqualTo(1), "nothing more was sent");
        Assert.That(Count("closed"), Is.EqualTo(1));
        var line = _logs.Entries.Single(e => e.EventId == 1020);
        Assert.That(line.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(line.Message, Does.Contain(Sid).And.Contain("900").And.Contain("MaxBufferedOutboundBytes (1000)"));
        Assert.That(socket.Write([Message(1)], isVolatile: false), Is.EqualTo(EngineWriteResult.Gone));
    }

    [Test]
    public void Bytes_the_transport_has_taken_count_until_it_is_ready_again()
    {
        var (socket, transport) = OpenStalled();
        transport.BecomeReady(); // the client polls: the next write goes straight into the response
        socket.Write([Message(600)], isVolatile: false);
        Assert.That(transport.Batches, Has.Count.EqualTo(2));
        Assert.That(socket.OutboundBytes, Is.EqualTo(600), "taken by the transport, not yet answered");

        Assert.That(socket.Write([Message(600)], isVolatile: false), Is.EqualTo(EngineWriteResult.Full));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Closed));
    }

    [Test]
    public void A_transport_that_reports_ready_releases_what_it_had_taken()
    {
        var (socket, transport) = OpenStalled();
        for (var i = 0; i < 10; i++)
        {
            transport.BecomeReady();
            Assert.That(socket.Write([Message(600)], isVolatile: false), Is.EqualTo(EngineWriteResult.Written), $"write {i}");
        }

        Assert.That(socket.OutboundBytes, Is.EqualTo(600));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public void An_upgrade_releases_what_the_polling_transport_had_taken()
    {
        var (socket, polling) = OpenStalled();
        polling.BecomeReady();
        socket.Write([Message(600)], isVolatile: false); // into the pending GET's response, which the upgrade ends
        var ws = new FakeEngineTransport(EngineIoOptions.WebSocket, oneShot: true);
        Assert.That(socket.TryBeginUpgrade(ws), Is.True);
        ws.ReceiveText("2probe");
        ws.SetWritable(true); // the probe's answer went out
        ws.ReceiveText("5");
        Assert.That(socket.TransportName, Is.EqualTo(EngineIoOptions.WebSocket));
        Assert.That(socket.OutboundBytes, Is.Zero);

        Assert.That(socket.Write([Message(600)], isVolatile: false), Is.EqualTo(EngineWriteResult.Written));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public void A_volatile_write_is_dropped_while_the_transport_cannot_send()
    {
        var (socket, _) = OpenStalled();
        socket.Write([Message(900)], isVolatile: false);

        // Not writable: dropped as Node drops it (no metric: that is not the limit).
        Assert.That(socket.Write([Message(10)], isVolatile: true), Is.EqualTo(EngineWriteResult.Full));
        Assert.That(Count("dropped"), Is.Zero);

        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
        Assert.That(socket.OutboundBytes, Is.EqualTo(900));
    }

    [Test]
    public void A_volatile_write_past_the_limit_is_dropped_even_when_the_transport_is_writable()
    {
        var (socket, transport) = OpenStalled();
        transport.BecomeReady();
        socket.Write([Message(900)], isVolatile: false); // taken by the transport, held until it is ready
        transport.SetWritable(true); // a transport that says it could take more (its own buffers are filling)

        Assert.That(socket.Write([Message(200)], isVolatile: true), Is.EqualTo(EngineWriteResult.Full));
        Assert.That(socket.Write([Message(100)], isVolatile: true), Is.EqualTo(EngineWriteResult.Written), "what fits goes");

        Assert.That(Count("dropped"), Is.EqualTo(1));
        Assert.That(Count("closed"), Is.Zero);
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
        Assert.That(socket.OutboundBytes, Is.EqualTo(Limit));
    }

    [Test]
    public void A_message_larger_than_the_limit_goes_to_a_session_that_holds_nothing()
    {
        var (socket, transport) = OpenStalled();

        Assert.That(socket.Write([Message(5000)], isVolatile: false), Is.EqualTo(EngineWriteResult.Written));
        transport.BecomeReady();
        Assert.That(transport.Batches[^1].Single().Data.Length, Is.EqualTo(4999));
        Assert.That(socket.ReadyState, Is.EqualTo(EngineIoReadyState.Open));
    }

    [Test]
    public void Closes_are_logged_at_most_once_per_ten_seconds_and_the_next_line_counts_the_rest()
    {
        for (var i = 0; i < 3; i++)
        {
            var transport = new FakeEngineTransport(oneShot: true);
            var socket = _server.Accept($"AAAAAAAAAAAAAAAAAAB{i}", transport, EngineIoRequests.Polling());
            socket.Write([Message(900)], isVolatile: false);
            socket.Write([Message(900)], isVolatile: false);
        }

        Assert.That(_logs.Entries.Count(e => e.EventId == 1020), Is.EqualTo(1));
        Assert.That(Count("closed"), Is.EqualTo(3), "every close is counted");

        _time.Advance(TimeSpan.FromSeconds(10));
        var last = new FakeEngineTransport(oneShot: true);
        var lastSocket = _server.Accept("AAAAAAAAAAAAAAAAAAC0", last, EngineIoRequests.Polling());
        lastSocket.Write([Message(900)], isVolatile: false);
        lastSocket.Write([Message(900)], isVolatile: false);

        var lines = _logs.Entries.Where(e => e.EventId == 1020).ToList();
        Assert.That(lines, Has.Count.EqualTo(2));
        Assert.That(lines[1].Message, Does.Contain("AAAAAAAAAAAAAAAAAAC0").And.Contain("(2 more closed"));
    }

    [Test]
    public void Without_a_limit_the_buffer_grows_as_in_node()
    {
        var server = new EngineIoServer(new EngineIoOptions { TimeProvider = _time, MaxBufferedOutboundBytes = null }, _handler);
        var socket = server.Accept(Sid, new FakeEngineTransport(oneShot: true), EngineIoRequests.Polling());
        for (var i = 0; i < 100; i++)
        {
            Assert.That(socket.Write([Message(1000)], isVolatile: false), Is.EqualTo(EngineWriteResult.Written));
        }

        Assert.That(socket.OutboundBytes, Is.EqualTo(100_000));
    }

    [Test]
    public void The_limit_must_be_positive()
    {
        Assert.That(() => new EngineIoServer(new EngineIoOptions { MaxBufferedOutboundBytes = 0 }, _handler), Throws.ArgumentException.With.Message.Contains("MaxBufferedOutboundBytes"));
        Assert.That(new EngineIoOptions().MaxBufferedOutboundBytes, Is.EqualTo(4 * 1024 * 1024));
    }
}
