using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>
/// Emits to one socket found with <c>FetchSocketsAsync</c>, on any server, with an ack timeout (Node:
/// <c>remoteSocket.timeout(ms)</c>). Its acks resolve with the socket's one answer, not a list, as Node's
/// <c>expectSingleResponse</c> does.
/// </summary>
public sealed class RemoteSocketEmitter
{
    private readonly BroadcastOperator _operator;

    internal RemoteSocketEmitter(BroadcastOperator op) => _operator = op;

    /// <summary>Emits to the socket (Node: <c>remoteSocket.timeout(ms).emit</c>).</summary>
    public ValueTask EmitAsync(string eventName, params object?[] args) => _operator.EmitAsync(eventName, args);

    /// <summary>
    /// Emits and waits for the socket's acknowledgement; returns its first argument (Node:
    /// <c>remoteSocket.timeout(ms).emitWithAck</c>). Throws <see cref="SocketIoTimeoutException"/> when it does not
    /// come in time (or the socket is gone).
    /// </summary>
    public Task<JToken?> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckAsync(eventName, (IReadOnlyList<object?>)args, CancellationToken.None);

    /// <summary>As <see cref="EmitWithAckAsync(string, object?[])"/>, cancellable.</summary>
    public async Task<JToken?> EmitWithAckAsync(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken)
    {
        try
        {
            var responses = await _operator.EmitWithAckAsync(eventName, args, cancellationToken).ConfigureAwait(false);
            return responses.Count > 0 ? responses[0] : null;
        }
        catch (SocketIoTimeoutException)
        {
            // broadcast-operator.ts: with expectSingleResponse the timeout error carries no list of responses.
            throw new SocketIoTimeoutException();
        }
    }

    /// <summary>As <see cref="EmitWithAckAsync(string, object?[])"/>, converting the answer to <typeparamref name="T"/>.</summary>
    public async Task<T?> EmitWithAckAsync<T>(string eventName, params object?[] args)
    {
        var token = await EmitWithAckAsync(eventName, args).ConfigureAwait(false);
        return token is null ? default : token.ToObject<T>();
    }
}
