using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SocketIo.Server.Hosting;

/// <summary>
/// Gives memory back after a mass disconnect (a deploy, a network blip, the end of an event): when
/// <see cref="MemoryReleasePolicy"/> says so, one blocking, compacting full collection that also returns free memory
/// to the system (<see cref="GCCollectionMode.Aggressive"/>). It pauses the process once, for a heap that has just
/// lost at least half its sessions.
/// </summary>
internal sealed partial class MemoryReleaseService : IHostedService, IDisposable, IAsyncDisposable
{
    private readonly SocketIoServer _server;
    private readonly SocketIoMemoryReleaseOptions _options;
    private readonly ILogger _logger;
    private readonly Func<long> _compactingCollections;
    private readonly MemoryReleasePolicy _policy;
    private ITimer? _timer;
    private int _busy;
    private long _lastCompacting = -1;

    /// <summary>The service as the host creates it.</summary>
    public MemoryReleaseService(SocketIoServer server, IOptions<SocketIoMemoryReleaseOptions> options, ILogger<MemoryReleaseService> logger)
        : this(server, options, logger, null)
    {
    }

    /// <summary>Tests replace the runtime's index of the last compacting full collection.</summary>
    internal MemoryReleaseService(SocketIoServer server, IOptions<SocketIoMemoryReleaseOptions> options, ILogger<MemoryReleaseService> logger, Func<long>? compactingCollections)
    {
        _server = server;
        _options = options.Value;
        _logger = logger;
        _compactingCollections = compactingCollections ?? LastCompactingFullCollection;
        _policy = new MemoryReleasePolicy(_options.MinimumClosedSessions);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Enabled)
        {
            _timer = _server.Options.TimeProvider.CreateTimer(static s => ((MemoryReleaseService)s!).OnTick(), this, _options.CheckInterval, _options.CheckInterval);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public void Dispose() => _timer?.Dispose();

    public ValueTask DisposeAsync() => _timer?.DisposeAsync() ?? ValueTask.CompletedTask;

    private void OnTick()
    {
        // A slow collection must not meet the next tick; a server shutting down is about to give everything back.
        if (_server.Engine.IsClosed || Interlocked.Exchange(ref _busy, 1) != 0)
        {
            return;
        }

        try
        {
            var sessions = _server.Engine.ClientsCount;
            if (_policy.Observe(sessions, _compactingCollections()))
            {
                Release(sessions);
            }
        }
        catch (Exception ex)
        {
            // Nothing may escape a timer callback: it would end the process.
            try
            {
                LogReleaseFailed(_logger, ex);
            }
            catch (Exception)
            {
                // The logger itself failed; there is nowhere left to report it.
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// The index of the last blocking full collection that compacted (as far as these looks saw): background and
    /// sweeping collections give little memory back, so they do not stand in for a release.
    /// </summary>
    private long LastCompactingFullCollection()
    {
        var last = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        if (last.Compacted)
        {
            _lastCompacting = last.Index;
        }

        return _lastCompacting;
    }

    private void Release(int sessions)
    {
        var before = Environment.WorkingSet;
        var time = _server.Options.TimeProvider;
        var started = time.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var elapsed = time.GetElapsedTime(started);
        LogReleased(_logger, sessions, before >> 20, Environment.WorkingSet >> 20, elapsed.TotalMilliseconds);
    }

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "Sessions fell to {Sessions}: a full collection took the process from {BeforeMb} MB to {AfterMb} MB resident in {Milliseconds:F0} ms")]
    private static partial void LogReleased(ILogger logger, int sessions, long beforeMb, long afterMb, double milliseconds);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error, Message = "Releasing memory after a mass disconnect failed")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);
}
