using System.Diagnostics;
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
/// <param name="server">The server whose sessions are counted.</param>
/// <param name="options">When to release.</param>
/// <param name="logger">Where each release is reported.</param>
/// <param name="fullCollections">The number of full collections so far (tests replace the runtime's count).</param>
internal sealed partial class MemoryReleaseService(
    SocketIoServer server,
    IOptions<SocketIoMemoryReleaseOptions> options,
    ILogger<MemoryReleaseService> logger,
    Func<int>? fullCollections = null) : IHostedService, IAsyncDisposable
{
    private readonly SocketIoMemoryReleaseOptions _options = options.Value;
    private readonly Func<int> _fullCollections = fullCollections ?? (static () => GC.CollectionCount(GC.MaxGeneration));
    private MemoryReleasePolicy? _policy;
    private ITimer? _timer;
    private int _busy;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Enabled)
        {
            _policy = new MemoryReleasePolicy(_options.MinimumClosedSessions);
            _timer = server.Options.TimeProvider.CreateTimer(static s => ((MemoryReleaseService)s!).OnTick(), this, _options.CheckInterval, _options.CheckInterval);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _timer?.DisposeAsync() ?? ValueTask.CompletedTask;

    private void OnTick()
    {
        // A slow collection must not meet the next tick.
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            return;
        }

        try
        {
            var sessions = server.Engine.ClientsCount;
            if (_policy!.Observe(sessions, _fullCollections()))
            {
                Release(sessions);
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Release(int sessions)
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var started = Stopwatch.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var after = GC.GetGCMemoryInfo().TotalCommittedBytes;
        LogReleased(logger, sessions, before >> 20, after >> 20, elapsed.TotalMilliseconds);
    }

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "Sessions fell to {Sessions}: a full collection took the heap's committed memory from {BeforeMb} MB to {AfterMb} MB in {Milliseconds:F0} ms")]
    private static partial void LogReleased(ILogger logger, int sessions, long beforeMb, long afterMb, double milliseconds);
}
