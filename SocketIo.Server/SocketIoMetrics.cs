using System.Diagnostics.Metrics;
using SocketIo.Server.EngineIo;

namespace SocketIo.Server;

/// <summary>
/// Socket.IO instruments on the <c>SocketIoNet</c> meter: sockets per namespace, events in and out, ack timeouts,
/// broadcast recipients. Every instrument is tagged with the namespace.
/// </summary>
internal sealed class SocketIoMetrics
{
    private readonly UpDownCounter<long> _sockets;
    private readonly Counter<long> _eventsReceived;
    private readonly Counter<long> _eventsSent;
    private readonly Counter<long> _ackTimeouts;
    private readonly Histogram<long> _broadcastRecipients;

    public SocketIoMetrics(IMeterFactory? meterFactory)
    {
        var meter = EngineIoMetrics.MeterFor(meterFactory);
        _sockets = meter.CreateUpDownCounter<long>("socketio.sockets.active", "{socket}", "Connected sockets, by namespace");
        _eventsReceived = meter.CreateCounter<long>("socketio.events.received", "{event}", "Events received from clients");
        _eventsSent = meter.CreateCounter<long>("socketio.events.sent", "{event}", "Events sent to clients (a broadcast counts once per recipient)");
        _ackTimeouts = meter.CreateCounter<long>("socketio.ack.timeouts", "{timeout}", "Acknowledgements that did not arrive in time");
        _broadcastRecipients = meter.CreateHistogram<long>("socketio.broadcast.recipients", "{socket}", "Local recipients per broadcast");
    }

    private static KeyValuePair<string, object?> Tag(string nsp) => new("namespace", nsp);

    public void SocketConnected(string nsp) => _sockets.Add(1, Tag(nsp));

    public void SocketDisconnected(string nsp) => _sockets.Add(-1, Tag(nsp));

    public void EventReceived(string nsp) => _eventsReceived.Add(1, Tag(nsp));

    public void EventsSent(string nsp, long count) => _eventsSent.Add(count, Tag(nsp));

    public void AckTimedOut(string nsp) => _ackTimeouts.Add(1, Tag(nsp));

    public void Broadcast(string nsp, long recipients)
    {
        _broadcastRecipients.Record(recipients, Tag(nsp));
        EventsSent(nsp, recipients);
    }
}
