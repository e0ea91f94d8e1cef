using Newtonsoft.Json;
using SocketIo.Server.Adapters;
using SocketIo.Server.EngineIo;

namespace SocketIo.Server;

/// <summary>Socket.IO server options; defaults are Node's (socket.io index.ts).</summary>
public sealed class SocketIoOptions
{
    /// <summary>The endpoint path (Node: <c>path</c>, default <c>/socket.io</c>; a trailing slash is added).</summary>
    public string Path { get; set; } = "/socket.io";

    /// <summary>
    /// The most binary attachments one packet may announce (socket.io-parser 4.2.7 <c>maxAttachments</c>, 10, the
    /// CVE-2026-33151 fix); a packet announcing more closes its connection as a parse error.
    /// </summary>
    public int MaxAttachments { get; set; } = Protocol.SocketIoPacketDecoder.DefaultMaxAttachments;

    /// <summary>
    /// The packet format (Node: <c>parser</c>): <see cref="SocketIoParser.Default"/>, or <see cref="SocketIoParser.Msgpack"/>
    /// for clients using <c>socket.io-msgpack-parser</c>, or a <see cref="SocketIoParser"/> of your own (a format of your
    /// own, given to the client as its <c>parser</c>). Every client of the server must use the same one.
    /// </summary>
    public SocketIoParser Parser { get; set; } = SocketIoParser.Default;

    /// <summary>Time to join a namespace before the connection is closed (Node: <c>connectTimeout</c>, 45000 ms).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMilliseconds(45000);

    /// <summary>The Engine.IO options (ping interval and timeout, max buffer size, transports, CORS…).</summary>
    public EngineIoOptions Engine { get; } = new();

    /// <summary>
    /// Serves the browser client at <c>&lt;Path&gt;/socket.io.js</c> (and <c>.min.js</c>, <c>.esm.min.js</c>, maps) from
    /// this folder, normally <c>node_modules/socket.io-client/dist</c> (Node: <c>serveClient</c>). Null serves nothing.
    /// </summary>
    public string? ClientFilesDirectory { get; set; }

    /// <summary>
    /// Creates each namespace's adapter (Node: <c>adapter</c>); null means <see cref="InMemoryAdapter"/>, or
    /// <see cref="SessionAwareAdapter"/> when <see cref="ConnectionStateRecovery"/> is on.
    /// </summary>
    public Func<IAdapterNamespace, SocketIoAdapter>? AdapterFactory { get; set; }

    /// <summary>
    /// Connection state recovery (Node: <c>connectionStateRecovery</c>): a client that lost its connection comes back
    /// within the window with its id, rooms, data and every packet it missed. Null (the default) is off, as in Node;
    /// <c>new()</c> gives Node's defaults (2 minutes, middlewares skipped).
    /// </summary>
    public ConnectionStateRecoveryOptions? ConnectionStateRecovery { get; set; }

    /// <summary>
    /// Removes a child namespace of a dynamic parent (<c>io.Of(regex)</c>, <c>io.Of(predicate)</c>) once its last socket
    /// has left, and closes its adapter, so that a cluster adapter drops its subscriptions (Node:
    /// <c>cleanupEmptyChildNamespaces</c>, false). A later CONNECT creates it again.
    /// </summary>
    public bool CleanupEmptyChildNamespaces { get; set; }

    /// <summary>
    /// How .NET objects become JSON, for everything the server emits, acknowledges or broadcasts, and how received
    /// arguments become .NET objects again (<c>GetValue&lt;T&gt;</c>, <c>EmitWithAckAsync&lt;T&gt;</c>): one setting for
    /// both directions, so that they agree; e.g. <c>new() { ContractResolver = new CamelCasePropertyNamesContractResolver() }</c>
    /// for JS-style names. Null: Newtonsoft's defaults (.NET names). Read once, when the server is created. Numbers
    /// and strings are still written exactly as <c>JSON.stringify</c> writes them, whatever the settings.
    /// </summary>
    public JsonSerializerSettings? JsonSerializerSettings { get; set; }

    /// <summary>
    /// What a client gets when an event does not bind to a typed handler (<c>socket.On&lt;T&gt;</c>) or fails its
    /// validation; the handler is not called either way. Null (the default): the acknowledgement
    /// <c>{ "error": "…" }</c> when the client asked for one, else an <c>error</c> event
    /// <c>{ "event": name, "error": "…" }</c>. The first invalid message of each socket is logged (without its payload).
    /// </summary>
    public Func<InvalidMessage, ValueTask>? OnInvalidMessage { get; set; }

    /// <summary>Clock for timeouts; the Engine.IO layer uses <see cref="EngineIoOptions.TimeProvider"/>.</summary>
    public TimeProvider TimeProvider
    {
        get => Engine.TimeProvider;
        set => Engine.TimeProvider = value;
    }

    /// <summary>What is wrong with these options, if anything.</summary>
    internal List<string> GetErrors()
    {
        var errors = Engine.GetErrors();
        if (MaxAttachments < 1)
        {
            errors.Add($"MaxAttachments must be at least 1 (was {MaxAttachments}).");
        }

        if (Parser is null)
        {
            errors.Add("Parser must be set (SocketIoParser.Default, SocketIoParser.Msgpack or a SocketIoParser of your own).");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add($"ConnectTimeout must be positive (was {ConnectTimeout}).");
        }

        if (string.IsNullOrEmpty(Path) || !Path.StartsWith('/'))
        {
            errors.Add($"Path must start with '/' (was '{Path}').");
        }

        if (ClientFilesDirectory is { } dir && !File.Exists(System.IO.Path.Combine(dir, "socket.io.js")))
        {
            errors.Add($"ClientFilesDirectory '{dir}' has no socket.io.js (use node_modules/socket.io-client/dist).");
        }

        return errors;
    }

    internal void Validate()
    {
        var errors = GetErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Socket.IO options: " + string.Join(" ", errors));
        }
    }
}
