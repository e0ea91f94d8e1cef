using System.Buffers;
using System.IO.Compression;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// The decompressing half of permessage-deflate for one connection (RFC 7692 §7.2.2). Compressed bytes are fed in as
/// they arrive, at most one socket read at a time, and inflated into the reader's buffer only: a message that inflates
/// to far more than it weighs (a zip bomb) costs no memory here, and the Engine.IO transport closes it (1009) once it
/// passes <c>maxHttpBufferSize</c>, as ws's maxPayload does. The zlib stream is made on first use and kept between
/// messages, or made anew for each (<c>client_no_context_takeover</c>). Not thread-safe: its owner is the reader.
/// </summary>
internal sealed class MessageInflater(bool noContextTakeover) : IDisposable
{
    private readonly InputFeed _feed = new();
    private DeflateStream? _inflate;

    /// <summary>Whether everything fed so far has been taken by zlib (which may hold some of it still).</summary>
    public bool FeedIsEmpty => _feed.IsEmpty;

    public void Feed(ReadOnlySpan<byte> compressed) => _feed.Append(compressed);

    /// <summary>Ends the message's input with the 00 00 FF FF its sender removed.</summary>
    public void FeedTrailer() => _feed.Append(PerMessageDeflateTrailer.Bytes);

    /// <summary>Fills <paramref name="output"/> as far as the input fed so far goes; 0 when it needs more.</summary>
    /// <exception cref="InvalidDataException">The input is not a deflate stream.</exception>
    public int Inflate(Span<byte> output)
    {
        _inflate ??= new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
        var total = 0;
        while (total < output.Length && _inflate.Read(output[total..]) is var n and > 0)
        {
            total += n;
        }

        return total;
    }

    /// <summary>The message has been inflated to its end.</summary>
    public void EndMessage()
    {
        if (noContextTakeover)
        {
            _inflate?.Dispose();
            _inflate = null;
        }

        _feed.Release();
    }

    public void Dispose()
    {
        _inflate?.Dispose();
        _inflate = null;
        _feed.Release();
    }

    /// <summary>The bytes fed and not yet read by zlib, in one pooled buffer.</summary>
    private sealed class InputFeed : Stream
    {
        private byte[]? _buffer;
        private int _start;
        private int _end;

        public bool IsEmpty => _start == _end;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (IsEmpty)
            {
                _start = _end = 0;
            }

            if (_buffer is null || _end + bytes.Length > _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_end - _start + bytes.Length, 4096 + 4));
                if (_buffer is not null)
                {
                    _buffer.AsSpan(_start, _end - _start).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(_buffer);
                }

                _end -= _start;
                _start = 0;
                _buffer = bigger;
            }

            bytes.CopyTo(_buffer.AsSpan(_end));
            _end += bytes.Length;
        }

        public void Release()
        {
            if (_buffer is { } b)
            {
                _buffer = null;
                _start = _end = 0;
                ArrayPool<byte>.Shared.Return(b);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(buffer.Length, _end - _start);
            if (count > 0)
            {
                _buffer.AsSpan(_start, count).CopyTo(buffer);
                _start += count;
            }

            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
