using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// A direct connection's reads and writes: non-blocking system calls, and when one would block, a wait for the socket's
/// <see cref="EpollLoop"/> to report it ready (its continuation then runs on the loop's thread): a direct session's, a
/// connection served for Kestrel (<see cref="LoopConnection"/>), the listening socket's accepts. Without a loop (not
/// Linux x64, <see cref="DirectWebSocketsOptions.EventLoop"/> off) the socket's own asynchronous methods. One receive
/// and one write at a time, as the callers do.
/// </summary>
internal sealed partial class DirectSocketIo
{
    internal const int Eagain = 11;
    private const int Eintr = 4;
    private const int MsgPeek = 0x02;
    private const int MsgDontWait = 0x40;
    private const int SockCloexec = 0x80000;

    private readonly Readiness _read = new();
    // Made by the first send the kernel does not take at once: most connections never wait to write, and it is
    // 96 bytes each. A send before it exists says so with NoWriteReadiness as its readiness count.
    private Readiness? _write;
    private EpollLoop? _loop; // null: the runtime's asynchronous socket
    private int _closed;

    private DirectSocketIo(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    /// <summary>The loop's slot for this socket, and the slot's generation (set by <see cref="EpollLoop"/>).</summary>
    internal int Slot { get; set; } = -1;

    internal int Generation { get; set; }

    /// <summary>Whether an event loop serves this socket.</summary>
    public bool OnEventLoop => Volatile.Read(ref _loop) is not null;

    /// <summary>The socket's I/O, on an event loop when <paramref name="eventLoop"/> and the platform allow it.</summary>
    public static DirectSocketIo Create(Socket socket, bool eventLoop)
    {
        var io = new DirectSocketIo(socket);
        if (eventLoop && EpollLoop.Next() is { } loop && io.WithDescriptor(fd => loop.Register(io, fd)))
        {
            io._loop = loop;
        }

        return io;
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/> (<see cref="SocketFlags.Peek"/> or none); an empty buffer waits until
    /// there is something to read (or the end), as a zero-byte receive does, and returns 0.
    /// </summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags flags, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _loop) is null)
        {
            return Socket.ReceiveAsync(buffer, flags, cancellationToken);
        }

        var seen = _read.Seen;
        var received = TryReceive(buffer.Span, flags, out var errno);
        return received >= 0 ? new ValueTask<int>(buffer.IsEmpty ? 0 : received)
            : ReceiveWhenReadableAsync(buffer, flags, seen, errno, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveWhenReadableAsync(Memory<byte> buffer, SocketFlags flags, int seen, int errno, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (errno == Eagain)
            {
                await _read.WaitAsync(seen, cancellationToken).ConfigureAwait(false);
            }
            else if (errno != Eintr)
            {
                throw Failure(errno);
            }

            seen = _read.Seen;
            var received = TryReceive(buffer.Span, flags, out errno);
            if (received >= 0)
            {
                return buffer.IsEmpty ? 0 : received;
            }
        }
    }

    /// <summary>
    /// On the loop only: waits until there is something to receive (or the end), as a zero-byte receive does, with no
    /// state machine held meanwhile (an idle session's wait is the readiness report itself, ≈ 150 bytes less per
    /// connection). The loop reports only new input, so the next receive finds it; one that finds nothing waits again.
    /// </summary>
    public ValueTask WaitToReceiveAsync()
    {
        while (true)
        {
            var seen = _read.Seen;
            if (TryReceive(Span<byte>.Empty, SocketFlags.None, out var errno) >= 0)
            {
                return default;
            }

            if (errno == Eagain)
            {
                return _read.WaitAsync(seen, CancellationToken.None);
            }

            if (errno != Eintr)
            {
                return ValueTask.FromException(Failure(errno));
            }
        }
    }

    /// <summary>
    /// On the loop only: receives what the socket holds now, without waiting: the bytes (0 at the end of the stream),
    /// or -1 when there is nothing yet. <paramref name="seen"/> is the readiness count from before the call, for
    /// <see cref="WaitReadableAsync"/>.
    /// </summary>
    public int ReceiveNow(Span<byte> buffer, out int seen, SocketFlags flags = SocketFlags.None)
    {
        while (true)
        {
            seen = _read.Seen;
            var received = TryReceive(buffer, flags, out var errno);
            if (received >= 0)
            {
                return received;
            }

            if (errno == Eagain)
            {
                return -1;
            }

            if (errno != Eintr)
            {
                throw Failure(errno);
            }
        }
    }

    /// <summary>
    /// On the loop only: waits until the loop reports the socket readable after <paramref name="seen"/> (at once when
    /// it already has), with no system call: after a receive that did not fill its buffer the socket is known empty,
    /// and the edge-triggered loop reports the next byte.
    /// </summary>
    public ValueTask WaitReadableAsync(int seen) => _read.WaitAsync(seen, CancellationToken.None);

    /// <summary>
    /// On the loop only, for a listening socket: accepts one connection without waiting, or returns null (errno
    /// <c>EAGAIN</c>: none is waiting; anything else: the kernel's reason, e.g. out of descriptors).
    /// <paramref name="seen"/> is the readiness count from before the call, for <see cref="WaitReadableAsync"/>.
    /// </summary>
    public Socket? AcceptNow(out int seen, out int errno)
    {
        var handle = Socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            while (true)
            {
                seen = _read.Seen;
                var fd = Accept4((int)handle.DangerousGetHandle(), 0, 0, SockCloexec);
                if (fd >= 0)
                {
                    errno = 0;
                    return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
                }

                errno = Marshal.GetLastPInvokeError();
                if (errno != Eintr)
                {
                    return null;
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Sends what the kernel takes of <paramref name="bytes"/> (at least one byte), waiting while it takes none.</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _loop) is null)
        {
            return Socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
        }

        var seen = Volatile.Read(ref _write)?.Seen ?? NoWriteReadiness;
        var sent = NonBlockingSend.Send(Socket, bytes.Span, out var errno);
        return sent > 0 || bytes.IsEmpty ? new ValueTask<int>(Math.Max(sent, 0)) : SendWhenWritableAsync(bytes, null, seen, errno, cancellationToken);
    }

    /// <summary>Sends what the kernel takes of <paramref name="pieces"/>, in order (at least one byte), waiting while it takes none.</summary>
    public ValueTask<int> SendAsync(List<ArraySegment<byte>> pieces)
    {
        if (Volatile.Read(ref _loop) is null)
        {
            return new ValueTask<int>(Socket.SendAsync(pieces, SocketFlags.None));
        }

        var seen = Volatile.Read(ref _write)?.Seen ?? NoWriteReadiness;
        var sent = NonBlockingSend.Send(Socket, pieces, out var errno);
        return sent > 0 ? new ValueTask<int>(sent) : SendWhenWritableAsync(default, pieces, seen, errno, CancellationToken.None);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> SendWhenWritableAsync(ReadOnlyMemory<byte> bytes, List<ArraySegment<byte>>? pieces, int seen, int errno, CancellationToken cancellationToken)
    {
        var write = WriteReadiness();
        while (true)
        {
            if (seen == NoWriteReadiness)
            {
                // The loop may have reported the socket writable before the readiness existed to count it: try again
                // before waiting for the next report.
                errno = Eintr;
            }
            else if (errno is Eagain or 0)
            {
                await write.WaitAsync(seen, cancellationToken).ConfigureAwait(false);
            }
            else if (errno != Eintr)
            {
                throw Failure(errno);
            }

            seen = write.Seen;
            var sent = pieces is null ? NonBlockingSend.Send(Socket, bytes.Span, out errno) : NonBlockingSend.Send(Socket, pieces, out errno);
            if (sent > 0)
            {
                return sent;
            }
        }
    }

    private const int NoWriteReadiness = -1;

    private Readiness WriteReadiness()
    {
        if (Volatile.Read(ref _write) is { } write)
        {
            return write;
        }

        var made = new Readiness();
        write = Interlocked.CompareExchange(ref _write, made, null) ?? made;
        if (write == made && Volatile.Read(ref _closed) == 1)
        {
            write.Fail(new ObjectDisposedException(nameof(System.Net.Sockets.Socket))); // closed before it existed
        }

        return write;
    }

    /// <summary>Stops the loop watching the socket, which stays open (no operation may be pending); the close does it first.</summary>
    public void Detach()
    {
        if (Interlocked.Exchange(ref _loop, null) is { } loop)
        {
            if (!WithDescriptor(fd =>
            {
                loop.Unregister(this, fd);
                return true;
            }))
            {
                loop.Unregister(this, -1);
            }
        }
    }

    /// <summary>Closes the socket; a pending receive or write fails (on the thread pool, never inside the caller).</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        Detach();
        Socket.Dispose();
        var error = new ObjectDisposedException(nameof(System.Net.Sockets.Socket));
        _read.Fail(error);
        Volatile.Read(ref _write)?.Fail(error);
    }

    /// <summary>What the loop saw: readable (or the end, or an error) wakes the receive; writable (or an error) the write.</summary>
    internal void OnReady(uint events)
    {
        if ((events & (EpollLoop.EpollIn | EpollLoop.EpollRdHup | EpollLoop.EpollHup | EpollLoop.EpollErr)) != 0)
        {
            _read.Signal();
        }

        if ((events & (EpollLoop.EpollOut | EpollLoop.EpollHup | EpollLoop.EpollErr)) != 0)
        {
            Volatile.Read(ref _write)?.Signal();
        }
    }

    /// <summary>Runs <paramref name="use"/> with the descriptor, kept open meanwhile; false when the socket is closed.</summary>
    private bool WithDescriptor(Func<int, bool> use)
    {
        var handle = Socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return use((int)handle.DangerousGetHandle());
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>One <c>recv(2)</c> with <c>MSG_DONTWAIT</c>: the bytes received (0 at the end), or -1 and the errno.</summary>
    private unsafe int TryReceive(Span<byte> buffer, SocketFlags flags, out int errno)
    {
        var handle = Socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var peekByte = stackalloc byte[1];
            var empty = buffer.IsEmpty;
            var peek = empty || (flags & SocketFlags.Peek) != 0;
            fixed (byte* p = buffer)
            {
                var received = Receive((int)handle.DangerousGetHandle(), empty ? peekByte : p, empty ? 1 : buffer.Length, MsgDontWait | (peek ? MsgPeek : 0));
                errno = received < 0 ? Marshal.GetLastPInvokeError() : 0;
                return (int)received;
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static SocketException Failure(int errno) => new((int)(errno switch
    {
        104 => SocketError.ConnectionReset, // ECONNRESET
        32 => SocketError.Shutdown, // EPIPE
        110 => SocketError.TimedOut, // ETIMEDOUT
        107 => SocketError.NotConnected, // ENOTCONN
        9 => SocketError.OperationAborted, // EBADF
        _ => SocketError.SocketError,
    }));

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static partial int Accept4(int fd, nint address, nint addressLength, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Receive(int fd, byte* buffer, nint length, int flags);
}
