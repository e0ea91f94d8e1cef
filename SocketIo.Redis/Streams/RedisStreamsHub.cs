using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace SocketIo.Redis.Streams;

/// <summary>
/// What one server shares between the namespaces on the streams adapter (the closure of Node's
/// <c>createAdapter</c>): the publishing connection, one <see cref="RedisStreamReader"/> per stream started with the
/// first namespace, and the namespace → adapter map the readers dispatch to. The readers stop with the last namespace.
/// </summary>
internal sealed class RedisStreamsHub : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RedisStreamsAdapter> _adapters = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger;
    private List<RedisStreamReader>? _readers;

    public RedisStreamsHub(RedisConnection connection, RedisStreamsAdapterOptions options, TimeProvider time, ILogger? logger = null)
    {
        Connection = connection;
        Options = options;
        Time = time;
        _logger = logger ?? NullLogger.Instance;
    }

    public RedisConnection Connection { get; }

    public RedisStreamsAdapterOptions Options { get; }

    public TimeProvider Time { get; }

    public async Task RegisterAsync(RedisStreamsAdapter adapter)
    {
        _adapters[adapter.Namespace.Name] = adapter;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_readers is null)
            {
                _readers = StreamsWireFormat.AllStreams(Options.StreamName, Options.StreamCount)
                    .Select(stream => new RedisStreamReader(stream, Options, ConnectReaderAsync, OnEntry, Time, _logger))
                    .ToList();
                await Task.WhenAll(_readers.Select(r => r.StartAsync())).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task UnregisterAsync(RedisStreamsAdapter adapter)
    {
        if (!_adapters.TryRemove(new KeyValuePair<string, RedisStreamsAdapter>(adapter.Namespace.Name, adapter)) || !_adapters.IsEmpty)
        {
            return;
        }

        await StopReadersAsync().ConfigureAwait(false);
    }

    private void OnEntry(string id, IReadOnlyDictionary<string, string> fields)
    {
        if (fields.TryGetValue("nsp", out var nsp) && _adapters.TryGetValue(nsp, out var adapter))
        {
            adapter.OnStreamEntry(id, fields);
        }
    }

    /// <summary>
    /// A connection of the reader's own, configured like the publishing one but with a timeout longer than the
    /// block time: StackExchange.Redis would otherwise time a blocking XREAD out.
    /// </summary>
    private async Task<IConnectionMultiplexer> ConnectReaderAsync()
    {
        var main = await Connection.GetAsync().ConfigureAwait(false);
        var options = ConfigurationOptions.Parse(main.Configuration);
        options.AbortOnConnectFail = false;
        options.Protocol = RedisProtocol.Resp2;
        var timeout = (int)Math.Min(int.MaxValue, (Options.BlockTime + TimeSpan.FromSeconds(10)).TotalMilliseconds);
        options.AsyncTimeout = Math.Max(options.AsyncTimeout, timeout);
        options.SyncTimeout = Math.Max(options.SyncTimeout, timeout);
        options.ClientName = "socket.io-streams-reader";
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }

    private async Task StopReadersAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_readers is { } readers)
            {
                _readers = null;
                foreach (var reader in readers)
                {
                    await reader.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _adapters.Clear();
        await StopReadersAsync().ConfigureAwait(false);
    }
}
