using System.Net.WebSockets;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// permessage-deflate (RFC 7692), on connections that negotiated it only: the zlib streams are made when the first
/// compressed message goes out or comes in, so a connection that agreed to compress but never does holds none, and
/// they are disposed with the WebSocket. Uncompressed frames take the plain path untouched. Compression is per
/// connection (with context takeover a message's bytes depend on what the connection sent before), so a broadcast
/// encoded once is deflated once per recipient that takes it compressed.
/// </summary>
internal sealed partial class SocketWebSocket
{
    private const int Rsv1 = 0x40;

    // Only on connections that negotiated compression (80 bytes every other connection would hold for nothing).
    private readonly Lock? _deflateGate = deflate is null ? null : new(); // the sender's zlib stream against Dispose
    private readonly Lock? _inflateGate = deflate is null ? null : new(); // the reader's zlib stream against Dispose
    private MessageDeflater? _deflater;
    private MessageInflater? _inflater;
    private bool _zlibReleased;
    private bool _compressed; // the message being received is compressed and not yet inflated to its end
    private bool _trailerFed;

    /// <summary>A compressed message begins (its first frame had RSV1, which the header check allowed).</summary>
    private void BeginInflatedMessage()
    {
        lock (_inflateGate!)
        {
            ObjectDisposedException.ThrowIf(_zlibReleased, this);
            _inflater ??= new MessageInflater(deflate!.ClientNoContextTakeover);
        }

        _compressed = true;
        _trailerFed = false;
    }

    /// <summary>
    /// The next part of a compressed message: its frames' payloads are fed to zlib as they arrive and inflated into
    /// <paramref name="buffer"/>; control frames between its frames are handled as usual. The end of the message is
    /// reported once its last frame and the trailer have been inflated and zlib has nothing more to give.
    /// </summary>
    private async ValueTask<ValueWebSocketReceiveResult> ReceiveInflatedAsync(Memory<byte> buffer)
    {
        while (true)
        {
            if (buffer.IsEmpty)
            {
                ReleaseBufferIfConsumed();
                return new ValueWebSocketReceiveResult(0, _messageType, false);
            }

            int total;
            lock (_inflateGate!)
            {
                ObjectDisposedException.ThrowIf(_zlibReleased, this);
                var inflater = _inflater!;
                if (_remaining > 0 && _buffer is not null && _start < _end && inflater.FeedIsEmpty)
                {
                    // One socket read at a time: what is fed stays bounded however far it inflates.
                    var count = (int)Math.Min(_end - _start, _remaining);
                    var payload = _buffer.AsSpan(_start, count);
                    _mask = Unmask(payload, _mask);
                    inflater.Feed(payload);
                    _start += count;
                    _remaining -= count;
                }

                if (_remaining == 0 && _frameFin && !_trailerFed)
                {
                    inflater.FeedTrailer();
                    _trailerFed = true;
                }

                try
                {
                    total = inflater.Inflate(buffer.Span);
                }
                catch (InvalidDataException)
                {
                    total = -1;
                }
            }

            if (total < 0)
            {
                // ws closes on a zlib error with no status code (websocket.js receiverOnError: close(undefined)).
                await FailAsync(WebSocketCloseStatus.Empty, "Invalid compressed data.").ConfigureAwait(false);
            }

            // With all its input in, zlib stopping short of a full buffer means the message is complete.
            var end = _trailerFed && total < buffer.Length;
            if (total > 0 || end)
            {
                if (_messageType == WebSocketMessageType.Text && !_utf8.Append(buffer.Span[..total], end))
                {
                    await FailAsync(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in a text message.").ConfigureAwait(false);
                }

                if (end)
                {
                    _inMessage = false;
                    _compressed = false;
                    lock (_inflateGate!)
                    {
                        _inflater?.EndMessage();
                    }
                }

                ReleaseBufferIfConsumed();
                return new ValueWebSocketReceiveResult(total, _messageType, end);
            }

            if (_remaining > 0)
            {
                await FillAsync().ConfigureAwait(false); // zlib took all it had: more of this frame
                continue;
            }

            // The frame is consumed and the message goes on: the next frame (control frames may come first).
            if (await ReadFrameHeaderAsync().ConfigureAwait(false) is { } close)
            {
                ReleaseBufferIfConsumed();
                return close;
            }
        }
    }

    /// <summary>Deflates a frame's payload and queues it, RSV1 set on the message's first frame.</summary>
    private Task? EnqueueDeflated(int opcode, bool first, bool endOfMessage, ReadOnlySpan<byte> payload)
    {
        lock (_deflateGate!)
        {
            if (_zlibReleased)
            {
                throw new WebSocketException(WebSocketError.InvalidState, "The WebSocket is disposed; it cannot send.");
            }

            var deflater = _deflater ??= new MessageDeflater(deflate!.ServerNoContextTakeover, deflate.Compression);
            try
            {
                return EnqueueFrame(first ? opcode | Rsv1 : opcode, endOfMessage, deflater.Compress(payload, endOfMessage), dataFrame: true);
            }
            finally
            {
                deflater.Release();
            }
        }
    }

    /// <summary>Disposes the zlib streams (their native state is not garbage collected until then).</summary>
    private void ReleaseDeflate()
    {
        if (deflate is null)
        {
            return; // no zlib stream was ever made
        }

        lock (_deflateGate!)
        {
            lock (_inflateGate!)
            {
                _zlibReleased = true;
            }

            _deflater?.Dispose();
            _deflater = null;
        }

        lock (_inflateGate!)
        {
            _inflater?.Dispose();
            _inflater = null;
        }
    }
}
