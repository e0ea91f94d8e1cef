using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Server;

public sealed partial class SocketIoSocket
{
    /// <summary>Emits with modifiers: <c>socket.Volatile</c>.</summary>
    public SocketEmitter Volatile => new SocketEmitter(this, BroadcastFlags.None).Volatile;

    /// <summary>Emits with modifiers: <c>socket.Compress(false)</c>.</summary>
    public SocketEmitter Compress(bool compress) => new SocketEmitter(this, BroadcastFlags.None).Compress(compress);

    /// <summary>Emits with an ack timeout: <c>socket.Timeout(t).EmitWithAckAsync(…)</c>.</summary>
    public SocketEmitter Timeout(TimeSpan timeout) => new SocketEmitter(this, BroadcastFlags.None).Timeout(timeout);

    /// <summary>Emits an event to this client (Node: <c>socket.emit</c>). Reserved names throw, as in Node.</summary>
    public ValueTask EmitAsync(string eventName, params object?[] args) => EmitCore(eventName, args, BroadcastFlags.None);

    /// <summary>Emits and waits for the client's acknowledgement; returns its first argument (Node: <c>socket.emitWithAck</c>).</summary>
    public Task<JToken?> EmitWithAckAsync(string eventName, params object?[] args) => EmitWithAckCore(eventName, args, BroadcastFlags.None, CancellationToken.None);

    /// <summary>As <see cref="EmitWithAckAsync(string, object?[])"/>, cancellable.</summary>
    public Task<JToken?> EmitWithAckAsync(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken) =>
        EmitWithAckCore(eventName, args, BroadcastFlags.None, cancellationToken);

    /// <summary>As <see cref="EmitWithAckAsync(string, object?[])"/>, converting the answer to <typeparamref name="T"/>.</summary>
    public Task<T?> EmitWithAckAsync<T>(string eventName, params object?[] args) => new SocketEmitter(this, BroadcastFlags.None).EmitWithAckAsync<T>(eventName, args);

    /// <summary>Sends a <c>message</c> event (Node: <c>socket.send</c>).</summary>
    public ValueTask SendAsync(params object?[] args) => EmitAsync("message", args);

    /// <summary>Same as <see cref="SendAsync"/>: sends a <c>message</c> event (Node: <c>socket.write</c>, an alias of <c>send</c>).</summary>
    public ValueTask WriteAsync(params object?[] args) => SendAsync(args);

    internal ValueTask EmitCore(string eventName, IReadOnlyList<object?> args, BroadcastFlags flags)
    {
        CheckEventName(eventName);
        var packet = new SocketIoPacket(SocketIoPacketType.Event, Namespace.Name, Server.Json.EventArray(eventName, args));
        Server.Metrics.EventsSent(Namespace.Name, 1);
        if (Pid is not null && !flags.Volatile)
        {
            // Through the adapter, so that the packet gets its offset and is kept for a recovery (socket.ts emit).
            return Adapter.BroadcastAsync(packet, new BroadcastOptions(new HashSet<string>(StringComparer.Ordinal) { Id }, flags: flags));
        }

        NotifyOutgoingListeners(packet);
        WritePacket(packet, flags);
        return ValueTask.CompletedTask;
    }

    internal async Task<JToken?> EmitWithAckCore(string eventName, IReadOnlyList<object?> args, BroadcastFlags flags, CancellationToken cancellationToken)
    {
        CheckEventName(eventName);
        var id = Namespace.NextAckId();
        var answer = new TaskCompletionSource<JArray>(TaskCreationOptions.RunContinuationsAsynchronously);
        Acks[id] = new PendingAck(a => answer.TrySetResult(a), () => answer.TrySetCanceled());
        ITimer? timer = null;
        if (flags.Timeout is { } timeout)
        {
            timer = Server.TimeProvider.CreateTimer(
                _ =>
                {
                    if (_acks?.TryRemove(id, out PendingAck? _) == true)
                    {
                        Server.Metrics.AckTimedOut(Namespace.Name);
                        answer.TrySetException(new SocketIoTimeoutException());
                    }
                },
                null,
                timeout,
                System.Threading.Timeout.InfiniteTimeSpan);
        }

        using var registration = cancellationToken.Register(() =>
        {
            _acks?.TryRemove(id, out _);
            answer.TrySetCanceled(cancellationToken);
        });
        try
        {
            var packet = new SocketIoPacket(SocketIoPacketType.Event, Namespace.Name, Server.Json.EventArray(eventName, args), id);
            NotifyOutgoingListeners(packet);
            WritePacket(packet, flags);
            Server.Metrics.EventsSent(Namespace.Name, 1);
            var result = await answer.Task.ConfigureAwait(false);
            return result.Count > 0 ? result[0] : null;
        }
        finally
        {
            if (timer is not null)
            {
                await timer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    internal static void CheckEventName(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        if (ReservedEvents.Contains(eventName))
        {
            throw new ArgumentException($"\"{eventName}\" is a reserved event name", nameof(eventName));
        }
    }

    /// <summary>Registers a callback for an ack id (used by broadcasts with ack), and what to do if the socket leaves first.</summary>
    internal void RegisterAck(long id, Action<JArray> ack, Action? onAbandon = null) => Acks[id] = new PendingAck(ack, onAbandon);

    /// <summary>Forgets an ack id (a broadcast with ack timed out).</summary>
    internal void RemoveAck(long id) => _acks?.TryRemove(id, out _);

    internal void SendAck(long id, JArray args) =>
        WritePacket(new SocketIoPacket(SocketIoPacketType.Ack, Namespace.Name, args, id), BroadcastFlags.None);

    internal void WritePacket(SocketIoPacket packet, BroadcastFlags flags) =>
        Connection.WriteToEngine(Namespace.Server.Parser.EncodeFrames(packet with { Namespace = Namespace.Name }, flags.Compress != false), flags.Volatile);

    internal void NotifyOutgoingListeners(SocketIoPacket packet)
    {
        var listeners = _anyOutgoingListeners?.Snapshot ?? [];
        if (listeners.Length == 0 || packet.Data is not JArray { Count: > 0 } data)
        {
            return;
        }

        var name = EventNameOf(data[0]);
        var args = new JArray(data.Skip(1));
        // One task runs the listeners in order, as Node calls them; synchronous listeners finish before the emit returns.
        _ = RunOutgoingListenersAsync(listeners, name, args);
    }

    private async Task RunOutgoingListenersAsync(Func<string, JArray, ValueTask>[] listeners, string name, JArray args)
    {
        foreach (var listener in listeners)
        {
            try
            {
                await listener(name, args).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogHandlerError(ex, "onAnyOutgoing");
            }
        }
    }

    /// <summary>An ack callback, and what to do if the socket leaves before it arrives.</summary>
    private sealed record PendingAck(Action<JArray> OnAck, Action? OnAbandon);

    private async Task RunHandlerAsync(Func<ValueTask> handler, string what)
    {
        try
        {
            await handler().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerError(ex, what);
        }
    }
}
