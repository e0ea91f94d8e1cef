using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// One <c>send(2)</c> with <c>MSG_DONTWAIT</c> on Linux: writes what the kernel takes now and says how much.
/// </summary>
/// <remarks>
/// Why: a WebSocket write almost always fits the socket's send buffer. Written this way it costs one system call,
/// where the socket's asynchronous send goes through its operation queue and keeps a send event-args object
/// (≈ 300 bytes) cached on every connection that ever sent. <see cref="Socket.Send(ReadOnlySpan{byte}, SocketFlags, out SocketError)"/>
/// cannot be used: on a would-block after a partial write it reports 0 bytes. Whatever is not taken (or any error)
/// goes through the asynchronous send, which waits or reports the error as usual. Callers never have an
/// asynchronous send pending on the socket at the same time.
/// </remarks>
internal static partial class NonBlockingSend
{
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;

    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64);

    /// <summary>Bytes the kernel took at once (0 when it would block, on any error, or where unsupported).</summary>
    public static int TrySend(Socket socket, ReadOnlySpan<byte> bytes)
    {
        if (!IsSupported || bytes.IsEmpty)
        {
            return 0;
        }

        try
        {
            return Math.Max(Send(socket, bytes, out _), 0);
        }
        catch (ObjectDisposedException)
        {
            return 0; // closed meanwhile: the asynchronous send reports it
        }
    }

    /// <summary>
    /// One <c>send(2)</c> with <c>MSG_DONTWAIT</c> for the event loop (<see cref="DirectSocketIo"/>): the bytes taken, or
    /// -1 and the errno (EAGAIN when the kernel's buffer is full). A closed socket throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public static unsafe int Send(Socket socket, ReadOnlySpan<byte> bytes, out int errno)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            fixed (byte* p = bytes)
            {
                var sent = Send((int)handle.DangerousGetHandle(), p, bytes.Length, MsgDontWait | MsgNoSignal);
                errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
                return (int)sent;
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

    /// <summary>
    /// Bytes the kernel took at once of <paramref name="pieces"/>, in order, by one <c>sendmsg(2)</c> (at most
    /// <see cref="MaxPieces"/>), or -1 and the errno; for the event loop. A closed socket throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public static unsafe int Send(Socket socket, List<ArraySegment<byte>> pieces, out int errno)
    {
        var count = Math.Min(pieces.Count, MaxPieces);
        var vectors = stackalloc IoVector[count];
        var pins = stackalloc GCHandle[count];
        var pinned = 0;
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var piece = pieces[i];
                pins[i] = GCHandle.Alloc(piece.Array, GCHandleType.Pinned);
                pinned++;
                vectors[i] = new IoVector { Base = (byte*)pins[i].AddrOfPinnedObject() + piece.Offset, Length = (nuint)piece.Count };
            }

            handle.DangerousAddRef(ref added);
            var message = new MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
            var sent = SendMessage((int)handle.DangerousGetHandle(), &message, MsgDontWait | MsgNoSignal);
            errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)sent;
        }
        finally
        {
            for (var i = 0; i < pinned; i++)
            {
                pins[i].Free();
            }

            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Bytes the kernel took at once of <paramref name="pieces"/>, written in order by one <c>sendmsg(2)</c> (0 when it
    /// would block, on any error, or where unsupported). At most <see cref="MaxPieces"/> pieces go in one call.
    /// </summary>
    public static int TrySend(Socket socket, List<ArraySegment<byte>> pieces)
    {
        if (!IsSupported || pieces.Count == 0)
        {
            return 0;
        }

        try
        {
            return Math.Max(Send(socket, pieces, out _), 0);
        }
        catch (ObjectDisposedException)
        {
            return 0; // closed meanwhile: the asynchronous send reports it
        }
    }

    /// <summary>The most pieces one call writes (Linux's IOV_MAX is 1024); the rest go in the next.</summary>
    internal const int MaxPieces = 64;

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVector
    {
        public void* Base;
        public nuint Length;
    }

    // struct msghdr on 64-bit Linux (the only platforms IsSupported allows); the padding after NameLength is implied.
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static unsafe partial nint SendMessage(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint Send(int fd, byte* buffer, nint length, int flags);
}
