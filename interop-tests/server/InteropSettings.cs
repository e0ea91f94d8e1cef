using System.Globalization;

namespace SocketIo.InteropServer;

/// <summary>The environment variables of the interop contract, with their defaults.</summary>
internal sealed record InteropSettings
{
    public int Port { get; init; } = 3000;
    public string Host { get; init; } = "127.0.0.1";
    public int PingInterval { get; init; } = 25000;
    public int PingTimeout { get; init; } = 20000;
    public long MaxHttpBufferSize { get; init; } = 1_000_000;

    /// <summary>PER_MESSAGE_DEFLATE=1: engine.io's <c>perMessageDeflate: true</c> (threshold 1024).</summary>
    public bool PerMessageDeflate { get; init; }

    /// <summary>
    /// TYPED_ECHO=1 (.NET only, for the benchmark): <c>echo</c> is a handled contract (<see cref="IEchoEvents"/>) instead
    /// of the untyped handler; for one string with an ack, as the echo scenarios send, the bytes are the same.
    /// </summary>
    public bool TypedEcho { get; init; }
    public int ConnectTimeout { get; init; } = 45000;
    public string? CorsOrigin { get; init; }
    public string? RedisUrl { get; init; }
    public string RedisAdapter { get; init; } = "classic";
    public string RedisKey { get; init; } = "socket.io";
    public int RequestsTimeout { get; init; } = 5000;
    public string ServerName { get; init; } = "dotnet";
    public bool EmitAuth { get; init; }

    /// <summary>STATE_RECOVERY: the recovery window in ms, or null when off.</summary>
    public int? StateRecoveryMs { get; init; }

    /// <summary>PARSER: <c>default</c> or <c>msgpack</c> (socket.io-msgpack-parser's wire format on /socket.io/).</summary>
    public string Parser { get; init; } = "default";

    /// <summary>CLEANUP_EMPTY_CHILD_NAMESPACES=1.</summary>
    public bool CleanupEmptyChildNamespaces { get; init; }

    /// <summary>ID_PREFIX: Engine.IO ids are this prefix + a fresh base64id (io.engine.generateId).</summary>
    public string? IdPrefix { get; init; }

    /// <summary>EXTRA_HEADERS=1: x-initial on handshakes (initial_headers), x-every on every response engine.io's headers event sees.</summary>
    public bool ExtraHeaders { get; init; }

    /// <summary>ALLOW_EIO3=1: Engine.IO v3 clients (socket.io-client 2.x) are accepted on both endpoints.</summary>
    public bool AllowEio3 { get; init; }

    /// <summary>ADMIN_UI: "1" for the admin UI without auth, "user:password" for basic auth; null when off.</summary>
    public string? AdminUi { get; init; }

    public static InteropSettings FromEnvironment()
    {
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        static int Int(string name, int fallback) => Env(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        return new InteropSettings
        {
            Port = Int("PORT", 3000),
            Host = Env("HOST") ?? "127.0.0.1",
            PingInterval = Int("PING_INTERVAL", 25000),
            PingTimeout = Int("PING_TIMEOUT", 20000),
            MaxHttpBufferSize = Env("MAX_HTTP_BUFFER_SIZE") is { } m ? (long)double.Parse(m, CultureInfo.InvariantCulture) : 1_000_000,
            PerMessageDeflate = Env("PER_MESSAGE_DEFLATE") == "1",
            TypedEcho = Env("TYPED_ECHO") == "1",
            ConnectTimeout = Int("CONNECT_TIMEOUT", 45000),
            CorsOrigin = Env("CORS_ORIGIN"),
            RedisUrl = Env("REDIS_URL"),
            RedisAdapter = Env("REDIS_ADAPTER") ?? "classic",
            RedisKey = Env("REDIS_KEY") ?? "socket.io",
            RequestsTimeout = Int("REQUESTS_TIMEOUT", 5000),
            ServerName = Env("SERVER_NAME") ?? "dotnet",
            EmitAuth = Env("EMIT_AUTH") == "1",
            CleanupEmptyChildNamespaces = Env("CLEANUP_EMPTY_CHILD_NAMESPACES") == "1",
            IdPrefix = Env("ID_PREFIX"),
            Parser = Env("PARSER") ?? "default",
            ExtraHeaders = Env("EXTRA_HEADERS") == "1",
            AllowEio3 = Env("ALLOW_EIO3") == "1",
            AdminUi = Env("ADMIN_UI"),
            StateRecoveryMs = Env("STATE_RECOVERY") is { } recovery ? int.Parse(recovery, CultureInfo.InvariantCulture) : null,
        };
    }
}
