using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SocketIo.Redis.Streams;

/// <summary>
/// The XREAD loop of one stream (adapter.js startPolling): <c>XREAD COUNT readCount BLOCK blockTime STREAMS s id</c>
/// from the stream's last id when it starts (see <see cref="LastIdAsync"/>), then from the last id seen, on a connection of its own, because a blocking read holds its connection (Node
/// duplicates the client per stream for the same reason). Every entry is handed to <c>onEntry</c> in stream order;
/// nothing an entry holds stops the loop, and a failed read is retried after <see cref="RedisStreamsAdapterOptions.ReadRetryDelay"/>.
/// </summary>
internal sealed partial class RedisStreamReader : IAsyncDisposable
{
    private readonly string _stream;
    private readonly RedisStreamsAdapterOptions _options;
    private readonly Func<Task<IConnectionMultiplexer>> _connect;
    private readonly Action<string, IReadOnlyDictionary<string, string>> _onEntry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private IConnectionMultiplexer? _multiplexer;

    public RedisStreamReader(string stream, RedisStreamsAdapterOptions options, Func<Task<IConnectionMultiplexer>> connect,
        Action<string, IReadOnlyDictionary<string, string>> onEntry, TimeProvider time, ILogger logger)
    {
        _stream = stream;
        _options = options;
        _connect = connect;
        _onEntry = onEntry;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts the loop; completes once the first XREAD has been sent, so that nothing added afterwards is missed.</summary>
    public Task StartAsync()
    {
        _loop ??= Task.Run(RunAsync);
        return _started.Task;
    }

    private async Task RunAsync()
    {
        string? offset = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _multiplexer ??= await _connect().ConfigureAwait(false);
                offset ??= await LastIdAsync(_multiplexer.GetDatabase()).ConfigureAwait(false);
                var read = _multiplexer.GetDatabase().ExecuteAsync(
                    "XREAD", "COUNT", _options.ReadCount, "BLOCK", (long)_options.BlockTime.TotalMilliseconds, "STREAMS", _stream, offset);
                _started.TrySetResult();
                var result = await read.ConfigureAwait(false);
                foreach (var (id, fields) in ParseEntries(result))
                {
                    offset = id;
                    Dispatch(id, fields);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (_stop.IsCancellationRequested)
                {
                    break;
                }

                LogReadFailed(_logger, _stream, ex.Message);
                try
                {
                    // The pause is on the clock before the start is reported, so that a test clock moved after
                    // StartAsync always finds it.
                    var pause = Task.Delay(_options.ReadRetryDelay, _time, _stop.Token);
                    _started.TrySetResult();
                    await pause.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Where the first XREAD starts: the stream's last id (or <c>0-0</c> when it is empty) read with a round trip,
    /// not <c>$</c> as Node does. Both mean "what is added from now on", but a <c>$</c> is resolved only when Redis
    /// runs the XREAD, so an entry added between the start being reported and that moment would be missed.
    /// </summary>
    private async Task<string> LastIdAsync(IDatabase db)
    {
        var last = await db.StreamRangeAsync(_stream, count: 1, messageOrder: Order.Descending).ConfigureAwait(false);
        return last.Length > 0 ? (string)last[0].Id! : "0-0";
    }

    private void Dispatch(string id, IReadOnlyDictionary<string, string> fields)
    {
        try
        {
            _onEntry(id, fields);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogBadEntry(_logger, _stream, id, ex.Message);
        }
    }

    /// <summary>The RESP2 reply <c>[[stream, [[id, [field, value, …]], …]]]</c>, or nil after a block with nothing new.</summary>
    internal static List<(string Id, IReadOnlyDictionary<string, string> Fields)> ParseEntries(RedisResult result)
    {
        var entries = new List<(string, IReadOnlyDictionary<string, string>)>();
        if (result.IsNull || result.Resp2Type != ResultType.Array)
        {
            return entries;
        }

        foreach (var stream in (RedisResult[])result!)
        {
            if (stream.Resp2Type != ResultType.Array || stream.Length < 2 || stream[1].Resp2Type != ResultType.Array)
            {
                continue;
            }

            foreach (var entry in (RedisResult[])stream[1]!)
            {
                if (entry.Resp2Type != ResultType.Array || entry.Length < 2 || entry[0].IsNull)
                {
                    continue;
                }

                var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                if (entry[1].Resp2Type == ResultType.Array)
                {
                    var values = (RedisResult[])entry[1]!;
                    for (var i = 0; i + 1 < values.Length; i += 2)
                    {
                        // Like mapResult in util.js: a repeated field keeps its last value.
                        fields[(string?)values[i] ?? string.Empty] = (string?)values[i + 1] ?? string.Empty;
                    }
                }

                entries.Add(((string)entry[0]!, fields));
            }
        }

        return entries;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        // Closing the connection ends the XREAD that is blocking now (Node: redisClient.disconnect()).
        if (_multiplexer is { } multiplexer)
        {
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }

        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
