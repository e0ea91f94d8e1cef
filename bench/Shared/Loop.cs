using System.Collections.Concurrent;
using System.Net;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SocketIo.Bench;

/// <summary>Something registered with the <see cref="Loop"/>'s epoll set.</summary>
internal interface IEpollHandler
{
    void HandleEvents(uint events);
}

/// <summary>
/// A single-threaded, level-triggered epoll loop: one <c>recv</c> per readiness event into a shared buffer,
/// one <c>send</c> per message. Every <see cref="TcpConn"/> lives on the loop thread; other threads use <see cref="Post"/>.
/// (.NET's Socket async machinery costs about twice as much CPU per message, which made the generator the bottleneck.)
/// Connections may be <see cref="TcpConn.Corked"/>: their sends are buffered and flushed once per epoll batch.
/// </summary>
internal sealed unsafe class Loop : IDisposable
{
    private const int MaxEvents = 1024;
    private readonly int _epfd;
    private readonly int _eventFd;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Thread _thread;
    private IEpollHandler?[] _byFd = new IEpollHandler?[1024];
    private readonly List<TcpConn> _dirty = [];
    private int _wakePending;
    private byte[] _scratch = new byte[64 * 1024];

    public Loop()
    {
        _epfd = Native.EpollCreate1(Native.SOCK_CLOEXEC);
        _eventFd = Native.EventFd(0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC);
        if (_epfd < 0 || _eventFd < 0 || Native.Ctl(_epfd, Native.EPOLL_CTL_ADD, _eventFd, Native.EPOLLIN) < 0)
        {
            throw new IOException("epoll setup failed: " + Native.ErrorText(Marshal.GetLastPInvokeError()));
        }

        ReadBuffer = GC.AllocateUninitializedArray<byte>(256 * 1024, pinned: true);
        _thread = new Thread(Run) { IsBackground = true, Name = "loadgen-loop" };
        _thread.Start();
    }

    /// <summary>Shared receive buffer (pinned), only touched on the loop thread.</summary>
    public byte[] ReadBuffer { get; }

    /// <summary>A scratch buffer of at least <paramref name="size"/> bytes (loop thread only; valid until the next call).</summary>
    public byte[] Scratch(int size)
    {
        if (_scratch.Length < size)
        {
            _scratch = new byte[BitOperations.RoundUpToPowerOf2((uint)size)];
        }

        return _scratch;
    }

    public bool OnLoop => Environment.CurrentManagedThreadId == _thread.ManagedThreadId;

    public int EpollFd => _epfd;

    public void Dispose()
    {
        // The process exits right after; the loop thread is a background thread.
    }

    /// <summary>Runs <paramref name="action"/> on the loop thread.</summary>
    public void Post(Action action)
    {
        _posted.Enqueue(action);
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            Native.Write(_eventFd, (byte*)&one, 8);
        }
    }

    /// <summary>Runs <paramref name="action"/> on the loop thread; completes after it ran (continuations off the loop).</summary>
    public Task RunAsync(Action action)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                action();
                tcs.TrySetResult();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException)
            {
                tcs.TrySetException(ex);
            }
        });
        return tcs.Task;
    }

    public Task<T> RunAsync<T>(Func<T> func)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                tcs.TrySetResult(func());
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException)
            {
                tcs.TrySetException(ex);
            }
        });
        return tcs.Task;
    }

    internal void Register(int fd, IEpollHandler conn, uint events)
    {
        if (fd >= _byFd.Length)
        {
            Array.Resize(ref _byFd, (int)BitOperations.RoundUpToPowerOf2((uint)fd + 1));
        }

        _byFd[fd] = conn;
        if (Native.Ctl(_epfd, Native.EPOLL_CTL_ADD, fd, events) < 0)
        {
            throw new IOException("epoll_ctl ADD: " + Native.ErrorText(Marshal.GetLastPInvokeError()));
        }
    }

    internal void Modify(int fd, uint events) => Native.Ctl(_epfd, Native.EPOLL_CTL_MOD, fd, events);

    internal void Unregister(int fd)
    {
        // close() removes the fd from the epoll set; just forget the connection.
        if (fd < _byFd.Length)
        {
            _byFd[fd] = null;
        }
    }

    /// <summary>Remembers a corked connection with buffered output (flushed after the current batch).</summary>
    internal void MarkDirty(TcpConn conn) => _dirty.Add(conn);

    /// <summary>Flushes every corked connection now (loop thread).</summary>
    public void FlushDirty()
    {
        // Flushing may not add entries (the connections are no longer dirty), so a plain loop is fine.
        for (var i = 0; i < _dirty.Count; i++)
        {
            _dirty[i].Flush();
        }

        _dirty.Clear();
    }

    /// <summary>Listens on <paramref name="endpoint"/>; <paramref name="onAccept"/> gets each accepted non-blocking fd. Returns the port.</summary>
    public int Listen(IPEndPoint endpoint, Action<int> onAccept)
    {
        var listener = new Listener(this, endpoint, onAccept);
        return listener.Port;
    }

    private sealed class Listener : IEpollHandler
    {
        private readonly int _fd;
        private readonly Action<int> _onAccept;

        public Listener(Loop loop, IPEndPoint endpoint, Action<int> onAccept)
        {
            _onAccept = onAccept;
            _fd = Native.Socket(Native.AF_INET, Native.SOCK_STREAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
            var one = 1;
            Native.SetSockOpt(_fd, Native.SOL_SOCKET, Native.SO_REUSEADDR, &one, 4);
            var addr = stackalloc byte[16];
            TcpConn.FillSockAddr(addr, endpoint);
            if (_fd < 0 || Native.Bind(_fd, addr, 16) < 0 || Native.Listen(_fd, 4096) < 0)
            {
                throw new IOException($"cannot listen on {endpoint}: " + Native.ErrorText(Marshal.GetLastPInvokeError()));
            }

            var len = 16;
            Native.GetSockName(_fd, addr, &len);
            Port = (addr[2] << 8) | addr[3];
            loop.Register(_fd, this, Native.EPOLLIN);
        }

        public int Port { get; }

        public void HandleEvents(uint events)
        {
            // Level-triggered: take a bounded batch, the rest comes with the next epoll_wait.
            for (var i = 0; i < 256; i++)
            {
                var fd = Native.Accept4(_fd, null, null, Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC);
                if (fd < 0)
                {
                    return;
                }

                _onAccept(fd);
            }
        }
    }

    private void Run()
    {
        var stride = Native.EpollEventSize;
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * stride));
        var dataOffset = stride == 12 ? 4 : 8;
        while (true)
        {
            var n = Native.EpollWait(_epfd, events, MaxEvents, -1);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Native.EINTR)
                {
                    continue;
                }

                Console.Error.WriteLine("epoll_wait failed: " + Native.ErrorText(errno));
                return;
            }

            for (var i = 0; i < n; i++)
            {
                var ev = events + (i * stride);
                var mask = *(uint*)ev;
                var fd = (int)*(ulong*)(ev + dataOffset);
                if (fd == _eventFd)
                {
                    ulong value;
                    Native.Read(_eventFd, (byte*)&value, 8);
                    Volatile.Write(ref _wakePending, 0);
                    while (_posted.TryDequeue(out var action))
                    {
                        action();
                    }

                    continue;
                }

                var conn = fd < _byFd.Length ? _byFd[fd] : null;
                conn?.HandleEvents(mask);
            }

            FlushDirty();
        }
    }
}

/// <summary>A non-blocking TCP connection driven by <see cref="Loop"/>. All members run on the loop thread.</summary>
internal abstract unsafe class TcpConn : IEpollHandler
{
    private int _fd = -1;
    private bool _connecting;
    private byte[]? _pending;
    private int _pendingLen;
    private byte[]? _out;
    private int _outLen;
    private bool _dirty;
    private bool _blocked;

    protected TcpConn(Loop loop)
    {
        Loop = loop;
    }

    protected Loop Loop { get; }

    public bool IsClosed { get; private set; }

    /// <summary>When set, sends are buffered and written once at the end of the current epoll batch.</summary>
    public bool Corked { get; set; }

    /// <summary>SO_RCVBUF set before connecting (0: the kernel's default); a small one makes a stalled reader's window close soon.</summary>
    protected int ReceiveBufferSize { get; init; }

    /// <summary>Whether <see cref="StopReading"/> was called.</summary>
    public bool ReadingStopped { get; private set; }

    /// <summary>The peer reset or hung up a connection after <see cref="StopReading"/>.</summary>
    public bool DroppedByPeer { get; private set; }

    /// <summary>Takes over an accepted, non-blocking socket.</summary>
    protected void Adopt(int fd)
    {
        _fd = fd;
        var one = 1;
        Native.SetSockOpt(fd, Native.IPPROTO_TCP, Native.TCP_NODELAY, &one, 4);
        Loop.Register(fd, this, Native.EPOLLIN);
    }

    /// <summary>Starts a non-blocking connect; <see cref="OnConnected"/> or <see cref="OnClosed"/> follows.</summary>
    protected void ConnectTcp(IPEndPoint server, IPAddress? source)
    {
        var fd = Native.Socket(Native.AF_INET, Native.SOCK_STREAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            IsClosed = true;
            OnClosed("socket(): " + Native.ErrorText(Marshal.GetLastPInvokeError()));
            return;
        }

        _fd = fd;
        var one = 1;
        Native.SetSockOpt(fd, Native.IPPROTO_TCP, Native.TCP_NODELAY, &one, 4);
        if (ReceiveBufferSize > 0)
        {
            var size = ReceiveBufferSize;
            Native.SetSockOpt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, &size, 4);
        }

        var addr = stackalloc byte[16];
        if (source is not null)
        {
            // IP_BIND_ADDRESS_NO_PORT: pick the port at connect time (4-tuple unique), not at bind time.
            Native.SetSockOpt(fd, Native.SOL_IP, Native.IP_BIND_ADDRESS_NO_PORT, &one, 4);
            FillSockAddr(addr, new IPEndPoint(source, 0));
            if (Native.Bind(fd, addr, 16) < 0)
            {
                Fail("bind(): " + Native.ErrorText(Marshal.GetLastPInvokeError()));
                return;
            }
        }

        FillSockAddr(addr, server);
        _connecting = true;
        if (Native.Connect(fd, addr, 16) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Native.EINPROGRESS)
            {
                Fail("connect(): " + Native.ErrorText(errno));
                return;
            }
        }

        Loop.Register(fd, this, Native.EPOLLOUT | Native.EPOLLIN);
    }

    protected abstract void OnConnected();

    /// <summary>Handles received bytes (may be modified in place); returns how many were consumed.</summary>
    protected abstract int OnData(Span<byte> data);

    /// <summary>The connection failed or the peer closed it (not called after <see cref="CloseTcp"/>).</summary>
    protected abstract void OnClosed(string reason);

    /// <summary>Sends now (one <c>send</c> call); buffers what the kernel does not take.</summary>
    protected void SendTcp(ReadOnlySpan<byte> data)
    {
        if (IsClosed || _fd < 0)
        {
            return;
        }

        if (_outLen > 0 || _connecting || Corked)
        {
            Buffer(data);
            if (Corked && !_dirty && !_connecting)
            {
                _dirty = true;
                Loop.MarkDirty(this);
            }

            return;
        }

        nint sent;
        fixed (byte* p = data)
        {
            sent = Native.Send(_fd, p, data.Length, Native.MSG_NOSIGNAL);
        }

        if (sent < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Native.EAGAIN)
            {
                Fail("send(): " + Native.ErrorText(errno));
                return;
            }

            sent = 0;
        }

        if (sent < data.Length)
        {
            Buffer(data[(int)sent..]);
            _blocked = true;
            Loop.Modify(_fd, Native.EPOLLIN | Native.EPOLLOUT);
        }
    }

    /// <summary>
    /// Never reads again (loop thread): the model of a client on a stalled network. The socket stays open and is no
    /// longer polled, so what the peer sends piles up in the kernel and then in the peer. Nothing may be sent after.
    /// </summary>
    public void StopReading()
    {
        if (IsClosed || ReadingStopped)
        {
            return;
        }

        ReadingStopped = true;
        Loop.Modify(_fd, 0);
    }

    /// <summary>Closes the socket silently.</summary>
    public void CloseTcp()
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        if (_fd >= 0)
        {
            Loop.Unregister(_fd);
            Native.Close(_fd);
            _fd = -1;
        }
    }

    protected void Fail(string reason)
    {
        if (IsClosed)
        {
            return;
        }

        CloseTcp();
        OnClosed(reason);
    }

    /// <summary>Writes buffered output (corked connections, at the end of a batch).</summary>
    internal void Flush()
    {
        _dirty = false;
        if (!IsClosed && _outLen > 0 && !_connecting)
        {
            FlushOut();
        }
    }

    public void HandleEvents(uint events)
    {
        if (ReadingStopped)
        {
            // epoll reports errors and hang-ups whatever the mask (level-triggered: again and again): the peer has
            // dropped the connection, which is all a stalled client can learn.
            if ((events & (Native.EPOLLHUP | Native.EPOLLERR)) != 0)
            {
                DroppedByPeer = true;
                CloseTcp();
            }

            return;
        }

        if (_connecting)
        {
            if ((events & (Native.EPOLLOUT | Native.EPOLLERR | Native.EPOLLHUP)) == 0)
            {
                return;
            }

            int err = 0, len = 4;
            Native.GetSockOpt(_fd, Native.SOL_SOCKET, Native.SO_ERROR, &err, &len);
            if (err != 0)
            {
                Fail("connect: " + Native.ErrorText(err));
                return;
            }

            _connecting = false;
            _blocked = _outLen > 0;
            Loop.Modify(_fd, _blocked ? Native.EPOLLIN | Native.EPOLLOUT : Native.EPOLLIN);
            OnConnected();
            if (IsClosed)
            {
                return;
            }
        }

        if ((events & Native.EPOLLOUT) != 0 && _outLen > 0)
        {
            FlushOut();
            if (IsClosed)
            {
                return;
            }
        }

        if ((events & (Native.EPOLLIN | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
        {
            Receive();
        }
    }

    private void Receive()
    {
        var shared = Loop.ReadBuffer;
        nint n;
        fixed (byte* p = shared)
        {
            n = Native.Recv(_fd, p, shared.Length, 0);
        }

        if (n == 0)
        {
            Fail("connection closed by the peer");
            return;
        }

        if (n < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Native.EAGAIN && errno != Native.EINTR)
            {
                Fail("recv(): " + Native.ErrorText(errno));
            }

            return;
        }

        Span<byte> data;
        if (_pendingLen > 0)
        {
            EnsurePending(_pendingLen + (int)n);
            shared.AsSpan(0, (int)n).CopyTo(_pending.AsSpan(_pendingLen));
            _pendingLen += (int)n;
            data = _pending.AsSpan(0, _pendingLen);
        }
        else
        {
            data = shared.AsSpan(0, (int)n);
        }

        var consumed = OnData(data);
        if (IsClosed)
        {
            return;
        }

        var rest = data.Length - consumed;
        if (rest == 0)
        {
            _pendingLen = 0;
            if (_pending is { Length: > 64 * 1024 })
            {
                _pending = null;
            }

            return;
        }

        if (_pendingLen > 0)
        {
            // data is _pending: move the tail to the front
            _pending.AsSpan(consumed, rest).CopyTo(_pending);
        }
        else
        {
            EnsurePending(rest);
            data[consumed..].CopyTo(_pending);
        }

        _pendingLen = rest;
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_pending))]
    private void EnsurePending(int size)
    {
        if (_pending is null || _pending.Length < size)
        {
            var bigger = new byte[BitOperations.RoundUpToPowerOf2((uint)Math.Max(size, 1024))];
            if (_pending is not null && _pendingLen > 0)
            {
                _pending.AsSpan(0, _pendingLen).CopyTo(bigger);
            }

            _pending = bigger;
        }
    }

    private void Buffer(ReadOnlySpan<byte> data)
    {
        if (_out is null || _out.Length < _outLen + data.Length)
        {
            var bigger = new byte[BitOperations.RoundUpToPowerOf2((uint)Math.Max(_outLen + data.Length, 1024))];
            _out?.AsSpan(0, _outLen).CopyTo(bigger);
            _out = bigger;
        }

        data.CopyTo(_out.AsSpan(_outLen));
        _outLen += data.Length;
    }

    private void FlushOut()
    {
        nint sent;
        fixed (byte* p = _out)
        {
            sent = Native.Send(_fd, p, _outLen, Native.MSG_NOSIGNAL);
        }

        if (sent < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Native.EAGAIN)
            {
                Fail("send(): " + Native.ErrorText(errno));
                return;
            }

            sent = 0;
        }

        _outLen -= (int)sent;
        if (_outLen > 0)
        {
            if (sent > 0)
            {
                _out.AsSpan((int)sent, _outLen).CopyTo(_out);
            }

            if (!_blocked)
            {
                _blocked = true;
                Loop.Modify(_fd, Native.EPOLLIN | Native.EPOLLOUT);
            }
        }
        else if (_blocked)
        {
            _blocked = false;
            Loop.Modify(_fd, Native.EPOLLIN);
        }
    }

    internal static void FillSockAddr(byte* addr, IPEndPoint ep)
    {
        new Span<byte>(addr, 16).Clear();
        *(ushort*)addr = Native.AF_INET;
        addr[2] = (byte)(ep.Port >> 8);
        addr[3] = (byte)ep.Port;
        ep.Address.TryWriteBytes(new Span<byte>(addr + 4, 4), out _);
    }
}
