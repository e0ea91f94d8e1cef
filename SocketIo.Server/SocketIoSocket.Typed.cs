using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Server;

/// <summary>
/// Typed event handlers: the arguments bound to .NET types and validated before the handler runs (the socket.io
/// best-practice "validate every message; answer invalid ones with an error"). Binding uses
/// <see cref="SocketIoOptions.JsonSerializerSettings"/>; <c>byte[]</c> and <c>ReadOnlyMemory&lt;byte&gt;</c> take binary
/// arguments. An event that does not bind or validate never reaches the handler (<see cref="SocketIoOptions.OnInvalidMessage"/>).
/// </summary>
public sealed partial class SocketIoSocket
{
    private int _invalidLogged;

    /// <summary>A handler of one typed argument (Node: <c>socket.on(name, (msg) => …)</c>).</summary>
    public SocketIoSocket On<T>(string eventName, Func<T, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return On(eventName, e =>
        {
            List<string>? errors = null;
            var value = TypedArguments.Bind<T>(e, 0, ref errors);
            return errors is null ? handler(value!) : RejectAsync(e, errors);
        });
    }

    /// <summary>A handler of one typed argument and the acknowledgement (Node: <c>socket.on(name, (msg, callback) => …)</c>).</summary>
    public SocketIoSocket On<T>(string eventName, Func<T, SocketIoAck, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return On(eventName, e =>
        {
            List<string>? errors = null;
            var value = TypedArguments.Bind<T>(e, 0, ref errors);
            return errors is null ? handler(value!, new SocketIoAck(e)) : RejectAsync(e, errors);
        });
    }

    /// <summary>A handler of two typed arguments and the acknowledgement.</summary>
    public SocketIoSocket On<T1, T2>(string eventName, Func<T1, T2, SocketIoAck, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return On(eventName, e =>
        {
            List<string>? errors = null;
            var first = TypedArguments.Bind<T1>(e, 0, ref errors);
            var second = TypedArguments.Bind<T2>(e, 1, ref errors);
            return errors is null ? handler(first!, second!, new SocketIoAck(e)) : RejectAsync(e, errors);
        });
    }

    /// <summary>
    /// A request handler: one typed argument in, the handler's result sent back as the acknowledgement (typed acks;
    /// Node: <c>socket.on(name, async (msg, callback) => callback(await work(msg)))</c>).
    /// </summary>
    public SocketIoSocket On<T, TResult>(string eventName, Func<T, ValueTask<TResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return On(eventName, async e =>
        {
            List<string>? errors = null;
            var value = TypedArguments.Bind<T>(e, 0, ref errors);
            if (errors is not null)
            {
                await RejectAsync(e, errors).ConfigureAwait(false);
                return;
            }

            var result = await handler(value!).ConfigureAwait(false);
            await e.AckAsync(result).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// A typed emitter of the contract <typeparamref name="T"/>, an interface of the events this client may receive
    /// (Node: <c>Socket&lt;ClientToServerEvents, ServerToClientEvents&gt;</c>; SignalR: <c>Hub&lt;T&gt;.Clients.Caller</c>).
    /// <c>Task M(a, b)</c> emits <c>"m"</c> with the arguments (<see cref="EmitAsync"/>); <c>Task&lt;TResult&gt; M(a)</c>
    /// emits with an ack and returns the client's answer as <c>TResult</c> (<see cref="EmitWithAckAsync{T}(string, object?[])"/>),
    /// cancellable by a trailing <see cref="CancellationToken"/>. The event name is the method's name in camelCase,
    /// without an <c>Async</c> suffix, or its <see cref="SocketIoEventNameAttribute"/>. The implementation is written at
    /// compile time by the SocketIoNet source generator, which also reports contracts it cannot implement.
    /// </summary>
    public T Emitter<T>()
        where T : class => SocketIoContracts.SocketEmitter<T>(new SocketEmitter(this, BroadcastFlags.None));

    /// <summary>
    /// Registers every method of <paramref name="handlers"/>' contract <typeparamref name="T"/> (an interface of the
    /// events this client may send) as a typed handler: <c>Task M(a)</c> is <see cref="On{T}(string, Func{T, ValueTask})"/>,
    /// <c>Task&lt;TResult&gt; M(a)</c> is <see cref="On{T, TResult}(string, Func{T, ValueTask{TResult}})"/> (the result is
    /// the ack), two arguments <see cref="On{T1, T2}(string, Func{T1, T2, SocketIoAck, ValueTask})"/>; binding,
    /// validation and the answer to invalid events are theirs. Event names as for <see cref="Emitter{T}"/>. Node: the
    /// <c>ClientToServerEvents</c> of <c>Server&lt;ClientToServerEvents, …&gt;</c>; SignalR: a hub's methods.
    /// </summary>
    public SocketIoSocket Handle<T>(T handlers)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(handlers);
        SocketIoContracts.Handle(this, handlers);
        return this;
    }

    private ValueTask RejectAsync(SocketIoEvent e, List<string> errors)
    {
        var invalid = new InvalidMessage(e, errors);
        if (Interlocked.Exchange(ref _invalidLogged, 1) == 0)
        {
            SocketIoServer.LogInvalidMessage(_logger, Namespace.Name, Id, e.Name, invalid.Message);
        }

        if (Server.Options.OnInvalidMessage is { } custom)
        {
            return custom(invalid);
        }

        return e.HasAck
            ? e.AckAsync(new JObject { ["error"] = invalid.Message })
            : EmitAsync("error", new JObject { ["event"] = e.Name, ["error"] = invalid.Message });
    }
}
