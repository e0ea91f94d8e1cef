using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using SocketIo.Redis;
using SocketIo.Server;

// Beside AddSocketIo, whose builder it extends (the SignalR convention: AddStackExchangeRedis is here too).
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts a SocketIoNet server into a Redis cluster (Node: <c>io.adapter(createAdapter(pub, sub, opts))</c>).</summary>
public static class RedisSocketIoBuilderExtensions
{
    /// <summary>
    /// Uses the classic Redis adapter (Node: <c>createAdapter</c>). <paramref name="configuration"/> is a
    /// <c>redis://host:port</c> URL or a StackExchange.Redis configuration string. The connection closes with the host.
    /// </summary>
    public static ISocketIoBuilder AddRedisAdapter(this ISocketIoBuilder builder, string configuration, Action<RedisAdapterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new RedisAdapterOptions();
        configure?.Invoke(options);
        AddConnection(builder, configuration);
        builder.Services.AddOptions<SocketIoOptions>().Configure<RedisConnection, ILoggerFactory, IServiceProvider>((o, connection, loggers, services) =>
        {
            options.MeterFactory ??= services.GetService<IMeterFactory>();
            o.AdapterFactory = nsp => new RedisAdapter(nsp, connection, options, loggers.CreateLogger<RedisAdapter>());
        });
        return builder;
    }

    /// <summary>Uses the sharded Redis adapter (Node: <c>createShardedAdapter</c>; Redis 7 or newer).</summary>
    public static ISocketIoBuilder AddShardedRedisAdapter(this ISocketIoBuilder builder, string configuration, Action<ShardedRedisAdapterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ShardedRedisAdapterOptions();
        configure?.Invoke(options);
        AddConnection(builder, configuration);
        builder.Services.AddOptions<SocketIoOptions>().Configure<RedisConnection, ILoggerFactory, IServiceProvider>((o, connection, loggers, services) =>
        {
            options.MeterFactory ??= services.GetService<IMeterFactory>();
            o.AdapterFactory = nsp => new ShardedRedisAdapter(nsp, connection, options, loggers.CreateLogger<ShardedRedisAdapter>());
        });
        return builder;
    }

    /// <summary>
    /// Uses the Redis streams adapter (Node: <c>createAdapter</c> of @socket.io/redis-streams-adapter 0.3.1; Redis
    /// 5+, 7+ with <see cref="RedisStreamsAdapterOptions.UseShardedPubSub"/>). With
    /// <see cref="SocketIoOptions.ConnectionStateRecovery"/> on, sessions are kept in Redis and recovered on any
    /// server of the cluster, Node or .NET.
    /// </summary>
    public static ISocketIoBuilder AddRedisStreamsAdapter(this ISocketIoBuilder builder, string configuration, Action<RedisStreamsAdapterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new RedisStreamsAdapterOptions();
        configure?.Invoke(options);
        options.Validate();
        AddConnection(builder, configuration);
        builder.Services.TryAddSingleton(services => new SocketIo.Redis.Streams.RedisStreamsHub(
            services.GetRequiredService<RedisConnection>(),
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<ILoggerFactory>().CreateLogger<RedisStreamsAdapter>()));
        builder.Services.AddOptions<SocketIoOptions>().Configure<SocketIo.Redis.Streams.RedisStreamsHub, ILoggerFactory, IServiceProvider>((o, hub, loggers, services) =>
        {
            options.MeterFactory ??= services.GetService<IMeterFactory>();
            // Read when the namespace is made, after every Configure: the recovery window is the server's option.
            o.AdapterFactory = nsp => new RedisStreamsAdapter(nsp, hub, o.ConnectionStateRecovery?.MaxDisconnectionDuration, loggers.CreateLogger<RedisStreamsAdapter>());
        });
        return builder;
    }

    private static void AddConnection(ISocketIoBuilder builder, string configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(configuration);
        // A singleton: the container disposes it when the host stops, after the server has closed its adapters.
        builder.Services.TryAddSingleton(_ => new RedisConnection(configuration));
    }
}
