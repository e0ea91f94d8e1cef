using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// A connection the direct listener gives to Kestrel (HTTP long-polling, other paths, TLS, a WebSocket it does not
/// open itself) while the socket stays on its <see cref="EpollLoop"/>: Kestrel's HTTP stack reads and writes the
/// connection's pipes, and this class moves their bytes with non-blocking system calls, the receives continuing on the
/// loop's thread, both pipes' other sides inline. What Kestrel's socket transport does, without its hops.
/// </summary>
/// <remarks>
/// Why: a polling exchange is four socket reads and writes, each arriving alone; through the runtime's sockets and the
/// thread pool every one of them woke the runtime's epoll thread, a worker and the I/O queue's worker, and under the
/// JavaScript load generator the pool's workers preempted each other 27 times per ack on the server's core. Here the
/// loop thread that sees the request arrive parses it (Kestrel, inline), runs the engine and the application, and the
/// response goes out on the same thread (Kestrel's writes reach the send side inline). As with the direct sessions, an
/// application that blocks that thread stalls the loop's other connections (<see cref="DirectWebSocketsOptions.EventLoop"/>).
/// </remarks>
internal sealed class LoopConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature,
    IConnectionEndPointFeature, IMemoryPoolFeature, IConnectionSocketFeature
{
    private const int MinimumReadSize = 2048; // what a receive asks the pipe for; the pool's blocks are 4 KiB

    private readonly DirectSocketIo _io;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly FeatureCollection _features = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly List<ArraySegment<byte>> _pieces = [];
    private IDictionary<object, object?>? _items;
    private string? _id;
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private ConnectionAbortedException? _abortReason;
    private int _closedSignalled;

    public LoopConnection(DirectSocketIo io, MemoryPool<byte> pool, long? maxReadBufferSize, long? maxWriteBufferSize)
    {
        _io = io;
        MemoryPool = pool;
        var read = maxReadBufferSize ?? 0;
        var write = maxWriteBufferSize ?? 0;
        // Inline on both sides of both pipes: Kestrel's parser runs in the receive's flush (on the loop thread), and
        // the send side in Kestrel's flush, wherever the application writes from.
        _input = new Pipe(new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, read, read / 2, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, write, write / 2, useSynchronizationContext: false));
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        LocalEndPoint = io.Socket.LocalEndPoint;
        RemoteEndPoint = io.Socket.RemoteEndPoint;
        ConnectionClosed = _closed.Token;
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
        _features.Set<IMemoryPoolFeature>(this);
        _features.Set<IConnectionSocketFeature>(this);
    }

    public override string ConnectionId
    {
        get => _id ??= ConnectionIds.Next();
        set => _id = value;
    }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public MemoryPool<byte> MemoryPool { get; }

    public Socket Socket => _io.Socket;

    /// <summary>Starts moving bytes: the receive side waits for the loop, the send side for Kestrel's first flush.</summary>
    public void Start()
    {
        _receiving = ReceiveLoopAsync();
        _sending = SendLoopAsync();
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _abortReason = abortReason;
        _output.Reader.CancelPendingRead(); // the send side stops; what Kestrel still had queued is dropped
        _io.Close();
    }

    public override void Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application."));

    public override async ValueTask DisposeAsync()
    {
        Transport.Input.Complete();
        Transport.Output.Complete();
        try
        {
            await _sending.ConfigureAwait(false);
            await _receiving.ConfigureAwait(false);
        }
        finally
        {
            _io.Close();
            _closed.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        var writer = _input.Writer;
        try
        {
            // Nothing is taken from the pool while the connection is quiet (an idle keep-alive, a GET waiting for its
            // response), as Kestrel's WaitForDataBeforeAllocatingBuffer; and no system call to learn it is quiet: a
            // receive that did not fill its buffer emptied the socket, and the loop reports the next byte.
            var known = false; // whether the socket is known empty (as of the readiness count `seen`): then no probe
            var seen = 0;
            while (true)
            {
                if (known)
                {
                    await _io.WaitReadableAsync(seen).ConfigureAwait(false);
                }
                else
                {
                    await _io.WaitToReceiveAsync().ConfigureAwait(false);
                }

                var buffer = writer.GetMemory(MinimumReadSize);
                var read = _io.ReceiveNow(buffer.Span, out seen);
                known = read < buffer.Length; // a receive that did not fill its buffer emptied the socket
                if (read < 0)
                {
                    continue; // a readiness report with nothing left to read (taken by the last receive)
                }

                if (read == 0)
                {
                    break; // the peer's FIN
                }

                writer.Advance(read);
                var flushed = await writer.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break; // Kestrel stopped reading
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Reset, or the socket closed under the receive (Abort, or the send side ending the connection).
            error = _abortReason is { } aborted ? aborted : ex is SocketException ? new ConnectionResetException(ex.Message, ex) : null;
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            await writer.CompleteAsync(error).ConfigureAwait(false);
            SignalClosed();
        }
    }

    private async Task SendLoopAsync()
    {
        Exception? error = null;
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break; // Abort
                }

                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    await SendAllAsync(buffer).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break; // Kestrel is done with the connection
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            error = _abortReason ?? (Exception)new ConnectionResetException(ex.Message, ex);
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            await reader.CompleteAsync(error).ConfigureAwait(false);
            // The end of the connection: what was written is in the kernel's buffer, which the close does not discard;
            // the pending receive fails and ends the receive side.
            try
            {
                _io.Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }

            _io.Close();
        }
    }

    /// <summary>Writes <paramref name="buffer"/> whole: one <c>send</c> for a single segment, one <c>sendmsg</c> for several.</summary>
    private async ValueTask SendAllAsync(ReadOnlySequence<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int sent;
            if (buffer.IsSingleSegment)
            {
                sent = await _io.SendAsync(buffer.First).ConfigureAwait(false);
            }
            else
            {
                _pieces.Clear();
                foreach (var segment in buffer)
                {
                    _pieces.Add(MemoryMarshal.TryGetArray(segment, out var array) ? array : new ArraySegment<byte>(segment.ToArray()));
                }

                sent = await _io.SendAsync(_pieces).ConfigureAwait(false);
            }

            buffer = buffer.Slice(sent);
        }
    }

    /// <summary>Once: Kestrel learns the peer is gone (its RequestAborted), on the thread pool as its transport does it.</summary>
    private void SignalClosed()
    {
        if (Interlocked.Exchange(ref _closedSignalled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static cts =>
            {
                try
                {
                    cts.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // Disposed by Kestrel meanwhile: nobody is listening any more.
                }
            }, _closed, preferLocal: false);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
