using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Server;

/// <summary>
/// Emits to one socket with modifiers (Node: <c>socket.volatile</c>, <c>socket.compress(false)</c>,
/// <c>socket.timeout(ms)</c>). Immutable: every modifier returns a new emitter.
/// </summary>
public readonly struct SocketEmitter
{
    private readonly SocketIoSocket _socket;
    private readonly BroadcastFlags _flags;

    internal SocketEmitter(SocketIoSocket socket, BroadcastFlags flags)
    {
        _socket = socket;
        _flags = flags;
    }

    /// <summary>Drops the packet if the transport cannot send right now (Node: <c>socket.volatile</c>).</summary>
    public SocketEmitter Volatile => new(_socket, _flags with { Volatile = true });

    /// <summary>Sets whether the packet may be compressed (Node: <c>socket.compress(bool)</c>).</summary>
    public SocketEmitter Compress(bool compress) => new(_socket, _flags with { Compress = compress });

    /// <summary>Fails <c>EmitWithAckAsync</c> with <see cref="SocketIoTimeoutException"/> after <paramref name="timeout"/> (Node: <c>socket.timeout(ms)</c>).</summary>
    public SocketEmitter Timeout(TimeSpan timeout) => new(_socket, _flags with { Timeout = timeout });

    /// <summary>Emits an event (Node: <c>socket.emit(name, ...args)</c>).</summary>
    public ValueTask EmitAsync(string eventName, params object?[] args) => _socket.EmitCore(eventName, args, _flags);

    /// <summary>
    /// Emits an event and waits for the client's acknowledgement; returns its first argument (Node:
    /// <c>socket.emitWithAck</c>). With <see cref="Timeout"/>, fails with <see cref="SocketIoTimeoutException"/>.
    /// </summary>
    public Task<JToken?> EmitWithAckAsync(string eventName, params object?[] args) => _socket.EmitWithAckCore(eventName, args, _flags, CancellationToken.None);

    /// <summary>As <c>EmitWithAckAsync</c>, cancellable.</summary>
    public Task<JToken?> EmitWithAckAsync(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken) =>
        _socket.EmitWithAckCore(eventName, args, _flags, cancellationToken);

    /// <summary>As <c>EmitWithAckAsync</c>, converting the first ack argument to <typeparamref name="T"/>.</summary>
    public async Task<T?> EmitWithAckAsync<T>(string eventName, params object?[] args)
    {
        var token = await _socket.EmitWithAckCore(eventName, args, _flags, CancellationToken.None).ConfigureAwait(false);
        return token is null ? default : _socket.Server.Json.ToObject<T>(token);
    }

    /// <summary>As <c>EmitWithAckAsync&lt;T&gt;</c>, cancellable.</summary>
    public async Task<T?> EmitWithAckAsync<T>(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken)
    {
        var token = await _socket.EmitWithAckCore(eventName, args, _flags, cancellationToken).ConfigureAwait(false);
        return token is null ? default : _socket.Server.Json.ToObject<T>(token);
    }

    /// <summary>A typed emitter of the contract <typeparamref name="T"/> with these modifiers (see <see cref="SocketIoSocket.Emitter{T}"/>).</summary>
    public T Emitter<T>()
        where T : class => SocketIoContracts.SocketEmitter<T>(this);
}
