namespace SocketIo.Server.EngineIo;

/// <summary>Engine.IO server options; every default is the Node reference's (engine.io server.ts).</summary>
public sealed class EngineIoOptions
{
    /// <summary>The name of the long-polling transport.</summary>
    public const string Polling = "polling";

    /// <summary>The name of the WebSocket transport.</summary>
    public const string WebSocket = "websocket";

    /// <summary>Interval between server pings. Node: <c>pingInterval</c>, default 25000 ms.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromMilliseconds(25000);

    /// <summary>How long to wait for a pong after a ping is queued. Node: <c>pingTimeout</c>, default 20000 ms.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromMilliseconds(20000);

    /// <summary>How long an unfinished upgrade may take. Node: <c>upgradeTimeout</c>, default 10000 ms.</summary>
    public TimeSpan UpgradeTimeout { get; set; } = TimeSpan.FromMilliseconds(10000);

    /// <summary>
    /// Largest message or POST body in bytes; also the handshake's <c>maxPayload</c>. A larger POST is answered 413 and
    /// ends the session (engine.io 6.6.13), a larger WebSocket message closes it. Node: <c>maxHttpBufferSize</c>, default 1e6.
    /// </summary>
    public long MaxHttpBufferSize { get; set; } = 1_000_000;

    /// <summary>
    /// How long a polling POST's body may take to arrive; then it is answered 408 and the session ends with
    /// <c>transport error</c>. Node: <c>httpRequestBodyTimeout</c> (engine.io 6.6.13), default 30000 ms.
    /// </summary>
    public TimeSpan HttpRequestBodyTimeout { get; set; } = TimeSpan.FromMilliseconds(30000);

    /// <summary>
    /// Most pieces a polling POST's body may arrive in (each read of what has arrived counts one, as each of Node's
    /// <c>data</c> events does); more is answered 413 and ends the session. Node: <c>maxBufferedChunks</c> (engine.io
    /// 6.6.13), default 10000.
    /// </summary>
    public int MaxBufferedChunks { get; set; } = 10000;

    /// <summary>Enabled transports, in order. Node: <c>transports</c>, default <c>["polling", "websocket"]</c>.</summary>
    public IList<string> Transports { get; } = new List<string> { Polling, WebSocket };

    /// <summary>Whether a polling session may upgrade to WebSocket. Node: <c>allowUpgrades</c>, default true.</summary>
    public bool AllowUpgrades { get; set; } = true;

    /// <summary>
    /// Whether Engine.IO v3 clients (socket.io-client 2.x, <c>EIO=3</c>) are accepted, with the v3 payload framing and
    /// heartbeat, and (on a Socket.IO server) the Socket.IO v4 protocol of 2.x clients. Off, a v3 handshake is refused
    /// with <c>400 {"code":5,"message":"Unsupported protocol version"}</c>. Node: <c>allowEIO3</c>, default false.
    /// </summary>
    public bool AllowEIO3 { get; set; }

    /// <summary>
    /// Decides whether a handshake is accepted. Return <c>null</c> to accept, or an error message to refuse with
    /// HTTP 403 <c>{"code":4,"message":…}</c>. Node: <c>allowRequest(req, callback)</c>.
    /// </summary>
    public Func<EngineIoRequest, CancellationToken, ValueTask<string?>>? AllowRequest { get; set; }

    /// <summary>
    /// Makes the id of each new session (Node: <c>generateId(req)</c>, which may return a promise); null makes a fresh
    /// base64id. The ids must be unique among the open sessions, and that is the application's to ensure. A
    /// generator that throws refuses the handshake with <c>400 {"code":3,"message":"Bad request"}</c> and a
    /// <c>connection_error</c> whose context names <c>ID_GENERATION_ERROR</c>, as engine.io does.
    /// </summary>
    public Func<EngineIoRequest, ValueTask<string>>? GenerateId { get; set; }

    /// <summary>
    /// Whether the endpoint's path is served with a trailing slash only (<c>/socket.io/?EIO=4…</c>, Node's default), or,
    /// when false, also without one (<c>/socket.io?EIO=4…</c>, what clients send with <c>addTrailingSlash: false</c>).
    /// Node: <c>addTrailingSlash</c>, default true.
    /// </summary>
    public bool AddTrailingSlash { get; set; } = true;

    /// <summary>
    /// A message sent to every new session right after its open packet (Node: <c>initialPacket</c>, default none).
    /// </summary>
    public string? InitialPacket { get; set; }

    /// <summary>
    /// A binary message sent to every new session right after its open packet (Node: <c>initialPacket</c> given a
    /// <c>Buffer</c>), after <see cref="InitialPacket"/> when both are set. Default none.
    /// </summary>
    public ReadOnlyMemory<byte>? InitialBinaryPacket { get; set; }

    /// <summary>Sends the sid in a cookie on the handshake. Node: <c>cookie</c>, default off.</summary>
    public EngineIoCookieOptions? Cookie { get; set; }

    /// <summary>engine.io-style CORS handling for this endpoint. Node: <c>cors</c>, default off.</summary>
    public EngineIoCorsOptions? Cors { get; set; }

    /// <summary>WebSocket per-message deflate. Node: <c>perMessageDeflate</c>, default off.</summary>
    public bool PerMessageDeflate { get; set; }

    /// <summary>
    /// With <see cref="PerMessageDeflate"/> on, WebSocket messages shorter than this many bytes go out uncompressed:
    /// deflating a small frame costs more CPU than the bytes it saves. Node: <c>perMessageDeflate.threshold</c>, 1024.
    /// </summary>
    public int PerMessageDeflateThreshold { get; set; } = 1024;

    /// <summary>
    /// Polling responses at least this long are compressed when the client accepts gzip or deflate;
    /// <c>null</c> disables it. Node: <c>httpCompression.threshold</c>, default 1024.
    /// </summary>
    public int? HttpCompressionThreshold { get; set; } = 1024;

    /// <summary>
    /// The zlib level of compressed polling responses, 0–9 (Node: <c>httpCompression.level</c>, zlib's default 6);
    /// null: .NET's <c>CompressionLevel.Fastest</c> (level 1: a tenth of the CPU for a slightly larger body), the default.
    /// </summary>
    public int? HttpCompressionLevel { get; set; }

    /// <summary>The zlib strategy of compressed polling responses (Node: <c>httpCompression.strategy</c>, default <c>Z_DEFAULT_STRATEGY</c>).</summary>
    public System.IO.Compression.ZLibCompressionStrategy HttpCompressionStrategy { get; set; }

    /// <summary>
    /// The zlib level of deflated WebSocket messages, 0–9, on the lean <c>SocketIo.DirectWebSockets</c> engine's plain
    /// connections (Node: <c>perMessageDeflate.zlibDeflateOptions.level</c>); null: zlib's default, 6, as ws uses.
    /// ASP.NET Core's WebSockets (and the lean engine behind TLS, which runs on them) have no such setting.
    /// </summary>
    public int? PerMessageDeflateLevel { get; set; }

    /// <summary>The zlib strategy of deflated WebSocket messages on the lean engine's plain connections (Node: <c>zlibDeflateOptions.strategy</c>).</summary>
    public System.IO.Compression.ZLibCompressionStrategy PerMessageDeflateStrategy { get; set; }

    /// <summary>
    /// zlib options for a level and strategy (<paramref name="defaultLevel"/> when no level is set); null when neither
    /// is set, for the caller's own default stream.
    /// </summary>
    internal static System.IO.Compression.ZLibCompressionOptions? ZLibOptions(int? level, System.IO.Compression.ZLibCompressionStrategy strategy, int defaultLevel) =>
        level is null && strategy == System.IO.Compression.ZLibCompressionStrategy.Default
            ? null
            : new System.IO.Compression.ZLibCompressionOptions { CompressionLevel = level ?? defaultLevel, CompressionStrategy = strategy };

    /// <summary>How long a polling transport that is asked to close waits for the next GET (Node: polling <c>closeTimeout</c>, 30 s).</summary>
    public TimeSpan PollingCloseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most message bytes a session may hold for its client: the packets waiting in its buffer plus those its transport
    /// has taken but not yet written (the batch a WebSocket is writing, the polling response waiting for the next GET).
    /// A volatile packet that does not fit is dropped; any other packet that does not fit closes the session with
    /// <c>transport error</c>, so that a client that stops reading cannot make the server hold everything sent to it.
    /// A message larger than the limit still goes to a session that holds nothing. <c>null</c>: no limit (Node's
    /// behaviour; Node has no such option). Default 4 MiB.
    /// </summary>
    public long? MaxBufferedOutboundBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Clock for heartbeats and timeouts; tests substitute a fake.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>What is wrong with these options, if anything.</summary>
    internal List<string> GetErrors()
    {
        var errors = new List<string>();
        foreach (var (name, value) in new[] { (nameof(PingInterval), PingInterval), (nameof(PingTimeout), PingTimeout), (nameof(UpgradeTimeout), UpgradeTimeout), (nameof(PollingCloseTimeout), PollingCloseTimeout), (nameof(HttpRequestBodyTimeout), HttpRequestBodyTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{name} must be positive (was {value}).");
            }
        }

        if (MaxHttpBufferSize <= 0)
        {
            errors.Add($"MaxHttpBufferSize must be positive (was {MaxHttpBufferSize}).");
        }

        if (MaxBufferedChunks <= 0)
        {
            errors.Add($"MaxBufferedChunks must be positive (was {MaxBufferedChunks}).");
        }

        if (Cors is { OptionsSuccessStatus: < 200 or > 299 } cors)
        {
            errors.Add($"Cors.OptionsSuccessStatus must be a 2xx status (was {cors.OptionsSuccessStatus}).");
        }

        if (MaxBufferedOutboundBytes is <= 0)
        {
            errors.Add($"MaxBufferedOutboundBytes must be positive or null (was {MaxBufferedOutboundBytes}).");
        }

        if (Transports.Count == 0)
        {
            errors.Add("Transports must name at least one transport.");
        }

        foreach (var t in Transports)
        {
            if (t is not (Polling or WebSocket))
            {
                errors.Add($"Unknown transport '{t}' (use \"{Polling}\" or \"{WebSocket}\").");
            }
        }

        if (Cookie is not null)
        {
            errors.AddRange(Cookie.GetErrors());
        }

        foreach (var (name, level) in new[] { (nameof(HttpCompressionLevel), HttpCompressionLevel), (nameof(PerMessageDeflateLevel), PerMessageDeflateLevel) })
        {
            if (level is < 0 or > 9)
            {
                errors.Add($"{name} must be a zlib level from 0 to 9 (was {level}).");
            }
        }

        if (HttpCompressionThreshold is < 0)
        {
            errors.Add("HttpCompressionThreshold must not be negative.");
        }

        if (PerMessageDeflateThreshold < 0)
        {
            errors.Add("PerMessageDeflateThreshold must not be negative.");
        }

        return errors;
    }

    internal void Validate()
    {
        var errors = GetErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Engine.IO options: " + string.Join(" ", errors));
        }
    }
}
