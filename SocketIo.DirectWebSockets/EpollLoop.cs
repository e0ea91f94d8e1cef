using System.Runtime.InteropServices;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// An I/O thread of the lean engine on Linux: one <c>epoll</c> instance, edge-triggered, for the sockets the direct
/// listener serves (<see cref="DirectSocketIo"/>), whose readiness it reports by running their waiting receive or
/// write right on this thread, and the frames those runs queued written at the end of each batch of events. One thread
/// per processor (at most 16); a socket keeps the loop it was given.
/// </summary>
/// <remarks>
/// Why not the runtime's sockets: on Linux its single epoll thread hands every ready socket to the thread pool, so one
/// message on one connection costs two thread switches (the epoll thread wakes, queues, sleeps; a worker runs), and
/// writing the reply costs a third hop (the send lane's work item). With 100 clients sending one message per read
/// (the JavaScript load generator, socket.io-client) that was 2.2 switches and ~30 % of the server's CPU per ack; the
/// runtime's <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> removes the first hop, for every socket of the
/// process, which a library may not decide. This loop is what Node (libuv) and uWebSockets.js do: the thread that
/// learns a socket is readable reads it, runs the engine and the application's handler up to its first await, and
/// writes the answers of the whole batch, each socket's in one system call. Like Node, a handler that blocks its
/// thread stalls the connections of that loop: <see cref="DirectWebSocketsOptions.EventLoop"/> turns it off.
/// </remarks>
internal sealed partial class EpollLoop
{
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    internal const uint EpollIn = 0x001;
    internal const uint EpollOut = 0x004;
    internal const uint EpollErr = 0x008;
    internal const uint EpollHup = 0x010;
    internal const uint EpollRdHup = 0x2000;
    private const uint EpollEt = 0x80000000;
    private const int EpollCloexec = 0x80000;
    private const int Eintr = 4;
    private const int MaxEvents = 256;

    private static readonly Lazy<EpollLoop[]?> Loops = new(CreateLoops, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _next;

    [ThreadStatic]
    private static EpollLoop? _current;

    private readonly int _epoll;
    private readonly Lock _slotsGate = new();
    private DirectSocketIo?[] _slots = new DirectSocketIo?[64];
    private readonly Stack<int> _free = new();
    private int _used;
    private int _generation; // loop-wide: a slot's next owner never has its last owner's key
    private readonly List<SocketWebSocket> _toFlush = []; // touched by this loop's thread only
    private readonly List<(Action<object?> Work, object? State)> _afterBatch = []; // likewise

    private EpollLoop(int epoll, int index)
    {
        _epoll = epoll;
        var thread = new Thread(Run) { IsBackground = true, Name = $"SocketIo I/O {index}" };
        thread.UnsafeStart();
    }

    /// <summary>Whether this process can use the loops: Linux on x64, whose <c>epoll_event</c> layout is declared here.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The loop running the current thread, or null on any other thread.</summary>
    public static EpollLoop? Current => _current;

    /// <summary>The loop for a new socket (round robin), or null where epoll cannot be used or could not be created.</summary>
    public static EpollLoop? Next() =>
        IsSupported && Loops.Value is { } loops ? loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)] : null;

    /// <summary>
    /// Watches <paramref name="io"/>'s socket for input, output and hang-ups (edge-triggered). False when the kernel
    /// refuses (the socket is already closed): the caller uses the runtime's asynchronous socket instead.
    /// </summary>
    public bool Register(DirectSocketIo io, int fd)
    {
        int slot;
        lock (_slotsGate)
        {
            if (_free.Count > 0)
            {
                slot = _free.Pop();
            }
            else
            {
                if (_used == _slots.Length)
                {
                    var grown = new DirectSocketIo?[_slots.Length * 2];
                    _slots.AsSpan().CopyTo(grown);
                    Volatile.Write(ref _slots, grown);
                }

                slot = _used++;
            }

            io.Slot = slot;
            io.Generation = ++_generation;
            _slots[slot] = io;
        }

        var ev = new EpollEvent { Events = EpollIn | EpollOut | EpollRdHup | EpollEt, Data = Key(slot, io.Generation) };
        if (EpollCtl(_epoll, EpollCtlAdd, fd, ref ev) == 0)
        {
            return true;
        }

        Release(io);
        return false;
    }

    /// <summary>Stops watching <paramref name="fd"/> (before it is closed or handed to someone else) and frees its slot.</summary>
    public void Unregister(DirectSocketIo io, int fd)
    {
        var ev = default(EpollEvent);
        _ = EpollCtl(_epoll, EpollCtlDel, fd, ref ev); // fails only when the descriptor is already closed: the kernel dropped it then
        Release(io);
    }

    private void Release(DirectSocketIo io)
    {
        lock (_slotsGate)
        {
            if (io.Slot >= 0 && ReferenceEquals(_slots[io.Slot], io))
            {
                _slots[io.Slot] = null;
                _free.Push(io.Slot);
            }

            io.Slot = -1;
        }
    }

    /// <summary>
    /// Writes <paramref name="socket"/>'s queued frames at the end of this loop's current batch of events (only from the
    /// loop's own thread): the answers to every message of the batch leave each socket in one system call.
    /// </summary>
    public void FlushAfterBatch(SocketWebSocket socket) => _toFlush.Add(socket);

    /// <summary>
    /// Runs <paramref name="work"/> on this loop's thread at the end of the current batch, before the queued frames are
    /// written (only from the loop's own thread): a long-polling GET's response, released by a handler of this batch.
    /// </summary>
    public void RunAfterBatch(Action<object?> work, object? state) => _afterBatch.Add((work, state));

    private static ulong Key(int slot, int generation) => ((ulong)(uint)generation << 32) | (uint)slot;

    private unsafe void Run()
    {
        _current = this;
        var events = stackalloc EpollEvent[MaxEvents];
        while (true)
        {
            var count = EpollWait(_epoll, events, MaxEvents, -1);
            if (count < 0)
            {
                if (Marshal.GetLastPInvokeError() == Eintr)
                {
                    continue;
                }

                // EBADF/EINVAL cannot happen on an epoll descriptor this thread owns; do not spin if they do.
                Thread.Sleep(10);
                continue;
            }

            var slots = Volatile.Read(ref _slots);
            for (var i = 0; i < count; i++)
            {
                var key = events[i].Data;
                var slot = (int)(uint)key;
                if ((uint)slot < (uint)slots.Length && slots[slot] is { } io && (uint)io.Generation == (uint)(key >> 32))
                {
                    Dispatch(io, events[i].Events);
                }
            }

            FlushBatch();
        }
    }

    private static void Dispatch(DirectSocketIo io, uint events)
    {
        try
        {
            io.OnReady(events);
        }
        catch (Exception)
        {
            // What runs here is a receive's or a write's continuation, which keeps its own exceptions in its task; a
            // throw that still reaches the loop must not end it for every other socket.
        }
    }

    private void FlushBatch()
    {
        // Index loop: deferred work may defer more, which runs in this pass too.
        for (var i = 0; i < _afterBatch.Count; i++)
        {
            try
            {
                _afterBatch[i].Work(_afterBatch[i].State);
            }
            catch (Exception)
            {
                // Deferred work completes a task (whose continuation keeps its own exceptions); nothing may end the loop.
            }
        }

        _afterBatch.Clear();
        // Index loop: a flush may queue frames on sockets of this loop, which are added behind and written in this pass.
        for (var i = 0; i < _toFlush.Count; i++)
        {
            try
            {
                _toFlush[i].FlushQueued();
            }
            catch (Exception)
            {
                // FlushQueued handles its own write errors; nothing may end the loop.
            }
        }

        _toFlush.Clear();
    }

    private static EpollLoop[]? CreateLoops()
    {
        var loops = new EpollLoop[Math.Clamp(Environment.ProcessorCount, 1, 16)];
        for (var i = 0; i < loops.Length; i++)
        {
            var epoll = EpollCreate1(EpollCloexec);
            if (epoll < 0)
            {
                return null; // out of descriptors at start-up: the runtime's sockets serve instead
            }

            loops[i] = new EpollLoop(epoll, i);
        }

        return loops;
    }

    // struct epoll_event on x86-64 Linux is packed: a 32-bit mask then the 64-bit data, 12 bytes.
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epoll, int op, int fd, ref EpollEvent ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static unsafe partial int EpollWait(int epoll, EpollEvent* events, int maxEvents, int timeout);
}
