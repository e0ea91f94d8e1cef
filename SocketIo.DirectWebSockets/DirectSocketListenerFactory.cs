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
        var listener = new DirectSocketListener(
            listenSocket,
            server,
            DirectWebSocketAdmission.For(services, server, path),
            HandOverFactory(options, options.UnsafePreferInlineScheduling, loggers),
            HandOverFactory(options, inlineScheduling: true, loggers),
            options.NoDelay,
            kestrelOptions.Value.Limits.MaxConcurrentConnections,
            loggers.CreateLogger<DirectSocketListener>());
        lock (_listeners)
        {
            _listeners.Add(listener);
        }

        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    /// <summary>
    /// Makes connections as the socket transport would, with the host's options except, for the engine's own requests,
    /// the pipe scheduling.
    /// </summary>
    /// <remarks>
    /// Why inline for those: by default each request and its response cross two queues (the input pipe's reader
    /// runs on the thread pool, the output pipe's on Kestrel's I/O queue), and on a busy one-core server each crossing
    /// is a wake-up; inline, the request and its response run on the thread that completed the receive. On Linux that
    /// is a thread-pool thread (the socket engine dispatches completions there) unless the host itself set
    /// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>, which turns inline scheduling on for every Kestrel
    /// endpoint anyway; so the middleware and handlers of these requests run where any request's code may run, and
    /// nothing else in the host changes. Requests for other paths on this endpoint keep the host's scheduling.
    /// </remarks>
    private static SocketConnectionContextFactory HandOverFactory(SocketTransportOptions options, bool inlineScheduling, ILoggerFactory loggers) => new(
        new SocketConnectionFactoryOptions
        {
            IOQueueCount = options.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = options.MaxReadBufferSize,
            MaxWriteBufferSize = options.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = inlineScheduling,
        },
        loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
}
