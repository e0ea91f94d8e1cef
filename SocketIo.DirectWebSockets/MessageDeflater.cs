using System.Buffers;
using System.IO.Compression;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// The compressing half of permessage-deflate for one connection (RFC 7692 §7.2.1): each frame's payload is deflated
/// and sync-flushed; a message's last frame loses the flush's 00 00 FF FF. The zlib stream is made on first use and
/// kept between messages (context takeover), or made anew for each message (<c>server_no_context_takeover</c>), as ws
/// resets its own. Not thread-safe: its owner serialises the sends.
/// </summary>
internal sealed class MessageDeflater(bool noContextTakeover, ZLibCompressionOptions? compression = null) : IDisposable
{
    private readonly PooledSink _sink = new();
    private DeflateStream? _deflate;
    private bool _reset; // the last message ended and its context is not to be kept

    /// <summary>Deflates one frame's payload; the result is valid until <see cref="Release"/>.</summary>
    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> payload, bool endOfMessage)
    {
        if (_reset)
        {
            Close();
            _reset = false;
        }

        // CompressionLevel.Optimal is zlib's default level (6), ws's too; or the engine's PerMessageDeflateLevel/Strategy.
        _deflate ??= compression is { } options ? new DeflateStream(_sink, options, leaveOpen: true) : new DeflateStream(_sink, CompressionLevel.Optimal, leaveOpen: true);
        _deflate.Write(payload);
        _deflate.Flush(); // Z_SYNC_FLUSH
        var output = _sink.Written;
        if (endOfMessage)
        {
            if (output.EndsWith(PerMessageDeflateTrailer.Bytes))
            {
                output = output[..^PerMessageDeflateTrailer.Bytes.Length];
            }

            _reset = noContextTakeover;
        }

        return output;
    }

    /// <summary>Gives back the output buffer once the frame is queued: an idle connection holds none.</summary>
    public void Release() => _sink.Release();

    public void Dispose()
    {
        Close();
        _sink.Release();
    }

    /// <summary>Ends the zlib stream; the final block its disposal writes is discarded.</summary>
    private void Close()
    {
        if (_deflate is { } deflate)
        {
            _deflate = null;
            _sink.Discarding = true;
            try
            {
                deflate.Dispose();
            }
            finally
            {
                _sink.Discarding = false;
                _sink.Release();
            }
        }
    }

    /// <summary>A write-only stream into one pooled buffer, grown as needed.</summary>
    private sealed class PooledSink : Stream
    {
        private byte[]? _buffer;
        private int _count;

        public bool Discarding { get; set; }

        public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _count);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _count;

        public override long Position
        {
            get => _count;
            set => throw new NotSupportedException();
        }

        public void Release()
        {
            if (_buffer is { } b)
            {
                _buffer = null;
                _count = 0;
                ArrayPool<byte>.Shared.Return(b);
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Discarding || buffer.IsEmpty)
            {
                return;
            }

            if (_buffer is null || _count + buffer.Length > _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_count + buffer.Length, _buffer is null ? 1024 : _buffer.Length * 2));
                if (_buffer is not null)
                {
                    _buffer.AsSpan(0, _count).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(_buffer);
                }

                _buffer = bigger;
            }

            buffer.CopyTo(_buffer.AsSpan(_count));
            _count += buffer.Length;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
