using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// Engine.IO instruments on the <c>SocketIoNet</c> meter: open sessions by transport, message bytes in and out.
/// </summary>
internal sealed class EngineIoMetrics
{
    /// <summary>The meter name shared by every SocketIoNet instrument.</summary>
    public const string MeterName = Diagnostics.SocketIoMeter.Name;

    /// <summary>The meter of the host's factory, or the shared one.</summary>
    public static Meter MeterFor(IMeterFactory? meterFactory) => Diagnostics.SocketIoMeter.For(meterFactory);

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _outboundLimitReached;

    public EngineIoMetrics(IMeterFactory? meterFactory)
    {
        var meter = MeterFor(meterFactory);
        _connections = meter.CreateUpDownCounter<long>("engineio.connections.active", "{connection}", "Open Engine.IO sessions, by transport");
        _bytesReceived = meter.CreateCounter<long>("engineio.bytes.received", "By", "Message payload bytes received");
        _bytesSent = meter.CreateCounter<long>("engineio.bytes.sent", "By", "Message payload bytes queued for sending");
        _outboundLimitReached = meter.CreateCounter<long>("engineio.outbound.limit_reached", "{write}", "Writes refused by MaxBufferedOutboundBytes, by outcome (dropped: a volatile packet; closed: the session)");
    }

    public void ConnectionOpened(string transport) => _connections.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void ConnectionClosed(string transport) => _connections.Add(-1, new KeyValuePair<string, object?>("transport", transport));

    public void Upgraded(string from, string to)
    {
        ConnectionClosed(from);
        ConnectionOpened(to);
    }

    /// <summary>A write did not fit the session's outbound limit: a volatile packet was dropped, or the session closed.</summary>
    public void OutboundLimitReached(bool closed) =>
        _outboundLimitReached.Add(1, new KeyValuePair<string, object?>("outcome", closed ? "closed" : "dropped"));

    public void Received(int bytes) => _bytesReceived.Add(bytes);

    public void Sent(long bytes)
    {
        if (bytes > 0)
        {
            _bytesSent.Add(bytes);
        }
    }
}
