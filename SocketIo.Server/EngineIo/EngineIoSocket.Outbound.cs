namespace SocketIo.Server.EngineIo;

/// <summary>
/// The outbound limit (<see cref="EngineIoOptions.MaxBufferedOutboundBytes"/>): Node's engine.io buffers without
/// bound, so a client that stops reading (or a polling client that stops polling) makes the server hold everything
/// sent to it. Here a session counts what it holds for its client and refuses what would not fit.
/// </summary>
public sealed partial class EngineIoSocket
{
    /// <summary>The close description that goes with <see cref="EngineIoCloseReasons.TransportError"/> when the limit closes a session.</summary>
    internal const string OutboundLimitDescription = "outbound buffer full";

    // Message bytes in _writeBuffer, and bytes of the batch the transport has taken and not yet reported written.
    // Both change only under _gate.
    private long _queuedBytes;
    private long _inFlightBytes;

    /// <summary>What the session holds for its client now: buffered plus taken by the transport and not yet written.</summary>
    internal long OutboundBytes
    {
        get
        {
            lock (_gate)
            {
                return _queuedBytes + _inFlightBytes;
            }
        }
    }

    /// <summary>
    /// Queues packets unless the session is not open (<see cref="EngineWriteResult.Gone"/>) or they do not fit its
    /// outbound limit (<see cref="EngineWriteResult.Full"/>). A volatile write is also dropped (Full) when the
    /// transport cannot send right now (Node: <c>conn.transport.writable</c>, socket.io client.ts writeToEngine).
    /// A non-volatile write that does not fit closes the session with <c>transport error</c>: dropping it instead
    /// would break the promise that a connected client gets every packet in order, and queueing it would make the
    /// limit meaningless. There is no grace period for the same reason; the limit itself is the burst headroom.
    /// </summary>
    /// <remarks><paramref name="callback"/> goes with the flush that carries these packets (<see cref="SentCallbacks"/>).</remarks>
    internal EngineWriteResult Write(IReadOnlyList<EnginePacket> packets, bool isVolatile, Action<EngineIoTransportInfo>? callback = null)
    {
        long bytes = 0;
        long messageBytes = 0;
        for (var i = 0; i < packets.Count; i++)
        {
            var length = packets[i].Data.Length;
            bytes += length + 1; // the type digit (a binary frame has none; the count only has to be close)
            if (packets[i].Type == EnginePacketType.Message)
            {
                messageBytes += length;
            }
        }

        long held;
        var closed = false;
        lock (_gate)
        {
            if (_state is EngineIoReadyState.Closing or EngineIoReadyState.Closed)
            {
                return EngineWriteResult.Gone;
            }

            if (isVolatile && !_transport.Writable)
            {
                return EngineWriteResult.Full;
            }

            held = _queuedBytes + _inFlightBytes;
            // A session that holds nothing takes any one write, however large: the limit bounds a backlog, not a message.
            if (held > 0 && _options.MaxBufferedOutboundBytes is { } limit && held + bytes > limit)
            {
                if (isVolatile)
                {
                    _server.Metrics.OutboundLimitReached(closed: false);
                    return EngineWriteResult.Full;
                }

                // The client cannot be sent anything more, the close packet included: drop the transport now.
                OnCloseLocked(EngineIoCloseReasons.TransportError, OutboundLimitDescription);
                closed = true;
            }
            else
            {
                for (var i = 0; i < packets.Count; i++)
                {
                    RecordLocked(SessionEventKind.PacketCreate, packets[i]);
                    _writeBuffer.Add(packets[i]);
                }

                _queuedBytes += bytes;
                if (callback is not null)
                {
                    (_packetCallbacks ??= []).Add(callback);
                }

                FlushLocked();
            }
        }

        if (closed)
        {
            _server.OnOutboundLimitClosed(this, held, bytes);
            NotifyIfClosed();
            return EngineWriteResult.Full;
        }

        _server.Metrics.Sent(messageBytes);
        NotifyIfClosed();
        return EngineWriteResult.Written;
    }
}
