using SocketIo.Server.EngineIo.Transports;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// The callbacks of <see cref="Send(string, bool, Action{EngineIoTransportInfo})"/> (Node: socket.ts
/// <c>packetsFn</c> / <c>sentCallbackFn</c>): they wait with their packets in the write buffer, go with the flush that
/// hands those packets to a transport, and run once that transport reports the batch written.
/// </summary>
/// <remarks>
/// Node keeps one queue of per-flush callback lists and takes the oldest on every transport <c>drain</c>, whatever
/// the transport wrote (an upgrade's noop, a discarded transport's last response move the queue on too). Here the
/// callbacks travel with their batch, so they run for the write that carried their packets and no other.
/// </remarks>
public sealed partial class EngineIoSocket
{
    // The callbacks of the packets in _writeBuffer, in order; null while there are none (the common case). Under _gate.
    private List<Action<EngineIoTransportInfo>>? _packetCallbacks;

    /// <summary>The transport wrote a batch that carried callbacks: they run as the session's events do.</summary>
    private void OnBatchWritten(SentCallbacks sent)
    {
        lock (_gate)
        {
            // A closed session drops what it had not yet reported written (socket.ts onClose: sentCallbackFn = []).
            if (_state == EngineIoReadyState.Closed)
            {
                return;
            }

            (_events ??= new SessionEvents()).Pending.Add(new PendingEvent(SessionEventKind.Sent, sent));
        }

        // Inline from TrySend, under the session lock: then the caller dispatches once it lets go.
        NotifyIfClosed();
    }

    /// <summary>One flush's callbacks, and the transport that took the batch (the one the callbacks receive).</summary>
    private sealed class SentCallbacks(EngineIoSocket socket, EngineTransport transport, List<Action<EngineIoTransportInfo>> callbacks)
    {
        public EngineTransport Transport { get; } = transport;

        public List<Action<EngineIoTransportInfo>> Callbacks { get; } = callbacks;

        /// <summary>What the transport calls once the batch is written.</summary>
        public void Written() => socket.OnBatchWritten(this);
    }
}
