using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SocketIo.Server;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// Kestrel's transport for the TCP endpoints marked with <c>UseDirectWebSockets</c> (<see cref="DirectSocketListener"/>);
/// every other endpoint is left to the transports registered before it. Binds the listen socket as Kestrel's socket
/// transport does (its <see cref="SocketTransportOptions"/>), and hands connections over with the same options.
/// Registered by <c>AddDirectWebSockets</c>, after <c>UseKestrel</c> has registered the socket transport: Kestrel asks
/// the factories registered last first.
/// </summary>
internal sealed class DirectSocketListenerFactory(
    IServiceProvider services,
    IOptions<SocketTransportOptions> transportOptions,
    IOptions<KestrelServerOptions> kestrelOptions,
    ILoggerFactory? loggerFactory) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly List<DirectSocketListener> _listeners = [];

    /// <summary>The listeners bound so far (tests look at their counts).</summary>
    internal IReadOnlyList<DirectSocketListener> Listeners
    {
        get
        {
            lock (_listeners)
            {
                return [.. _listeners];
            }
        }
    }

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint && DirectWebSocketEndpoints.IsMarked(endpoint, out _);

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        DirectWebSocketEndpoints.IsMarked(endpoint, out var path);
        // Resolved at bind, not when Kestrel is built: invalid server options then fail the start with their own error.
        var server = services.GetRequiredService<SocketIoServer>();
        var options = transportOptions.Value;
        var listenSocket = options.CreateBoundListenSocket(endpoint);
        try
        {
            listenSocket.Listen(options.Backlog);
        }
        catch
        {
            listenSocket.Dispose();
            throw;
        }

        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var handOver = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions
            {
                IOQueueCount = options.IOQueueCount,
                WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer,
                MaxReadBufferSize = options.MaxReadBufferSize,
                MaxWriteBufferSize = options.MaxWriteBufferSize,
                UnsafePreferInlineScheduling = options.UnsafePreferInlineScheduling,
            },
            loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
        var admission = DirectWebSocketAdmission.For(services, server, path);
        if (admission.EventLoop && EpollLoop.IsSupported)
        {
            // Polling connections run on the loops too (LoopConnection): their responses may be written there.
            server.Engine.EventLoop ??= EpollLoopContinuations.Instance;
        }

        var listener = new DirectSocketListener(
            listenSocket,
            server,
            admission,
            handOver,
            new LoopConnectionOptions(
                services.GetService<IMemoryPoolFactory<byte>>()?.Create(new MemoryPoolOptions { Owner = "SocketIo.DirectWebSockets" }) ?? new SharedPool(),
                options.MaxReadBufferSize,
                options.MaxWriteBufferSize),
            options.NoDelay,
            kestrelOptions.Value.Limits.MaxConcurrentConnections,
            loggers.CreateLogger<DirectSocketListener>());
        lock (_listeners)
        {
            _listeners.Add(listener);
        }

        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    /// <summary>Where no pool factory is registered (Kestrel registers one): the shared array pool, which is not ours to dispose.</summary>
    private sealed class SharedPool : System.Buffers.MemoryPool<byte>
    {
        public override int MaxBufferSize => Shared.MaxBufferSize;

        public override System.Buffers.IMemoryOwner<byte> Rent(int minBufferSize = -1) => Shared.Rent(minBufferSize);

        protected override void Dispose(bool disposing)
        {
        }
    }
}
