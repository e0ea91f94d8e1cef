using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;

namespace SocketIo.Server;

/// <summary>
/// A broadcast target over every child of a dynamic namespace (Node: a <c>ParentNamespace</c>'s operators, whose
/// adapter hands each broadcast to every child's adapter with the same rooms, exceptions and flags). Immutable, like
/// <see cref="BroadcastOperator"/>: each child gets its own operator at emit time, so children created later are
/// included.
/// </summary>
public sealed class ParentBroadcastOperator
{
    private readonly ParentNamespace _parent;
    private readonly HashSet<string> _rooms;
    private readonly HashSet<string> _except;
    private readonly BroadcastFlags _flags;

    internal ParentBroadcastOperator(ParentNamespace parent, HashSet<string>? rooms, HashSet<string>? except, BroadcastFlags flags)
    {
        _parent = parent;
        _rooms = rooms ?? new HashSet<string>(StringComparer.Ordinal);
        _except = except ?? new HashSet<string>(StringComparer.Ordinal);
        _flags = flags;
    }

    /// <summary>Adds target rooms in every child (Node: <c>parentNsp.to(room)</c>).</summary>
    public ParentBroadcastOperator To(params string[] rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        var next = new HashSet<string>(_rooms, StringComparer.Ordinal);
        next.UnionWith(rooms);
        return new ParentBroadcastOperator(_parent, next, _except, _flags);
    }

    /// <summary>Same as <see cref="To"/> (Node: <c>parentNsp.in(room)</c>).</summary>
    public ParentBroadcastOperator In(params string[] rooms) => To(rooms);

    /// <summary>Excludes rooms in every child (Node: <c>parentNsp.except(room)</c>).</summary>
    public ParentBroadcastOperator Except(params string[] rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        var next = new HashSet<string>(_except, StringComparer.Ordinal);
        next.UnionWith(rooms);
        return new ParentBroadcastOperator(_parent, _rooms, next, _flags);
    }

    /// <summary>Sets whether packets may be compressed (Node: <c>compress(bool)</c>).</summary>
    public ParentBroadcastOperator Compress(bool compress) => new(_parent, _rooms, _except, _flags with { Compress = compress });

    /// <summary>Drops the packet for clients that cannot receive it right now (Node: <c>volatile</c>).</summary>
    public ParentBroadcastOperator Volatile => new(_parent, _rooms, _except, _flags with { Volatile = true });

    /// <summary>Only this node's clients (Node: <c>local</c>).</summary>
    public ParentBroadcastOperator Local => new(_parent, _rooms, _except, _flags with { Local = true });

    /// <summary>Ack timeout for <see cref="EmitWithAckAsync(string, object?[])"/> (Node: <c>timeout(ms)</c>).</summary>
    public ParentBroadcastOperator Timeout(TimeSpan timeout) => new(_parent, _rooms, _except, _flags with { Timeout = timeout });

    /// <summary>Emits to the targeted clients of every child namespace (Node: <c>parentNsp.to(…).emit</c>).</summary>
    public async ValueTask EmitAsync(string eventName, params object?[] args)
    {
        SocketIoSocket.CheckEventName(eventName);
        foreach (var child in _parent.Children)
        {
            await ForChild(child).EmitAsync(eventName, args).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Emits to every child and gathers every client's acknowledgement, of all children together (Node's parent
    /// adapter has no sockets of its own and answers an empty list at once; here the children's answers are what a
    /// caller gets). Needs <see cref="Timeout"/>; on timeout throws <see cref="SocketIoTimeoutException"/> with every
    /// response that arrived, from every child.
    /// </summary>
    public Task<IReadOnlyList<JToken?>> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckAsync(eventName, (IReadOnlyList<object?>)args, CancellationToken.None);

    /// <summary>As <see cref="EmitWithAckAsync(string, object?[])"/>, cancellable.</summary>
    public async Task<IReadOnlyList<JToken?>> EmitWithAckAsync(string eventName, IReadOnlyList<object?> args, CancellationToken cancellationToken)
    {
        SocketIoSocket.CheckEventName(eventName);
        var children = _parent.Children.ToArray();
        var pending = new Task<IReadOnlyList<JToken?>>[children.Length];
        for (var i = 0; i < children.Length; i++)
        {
            pending[i] = ForChild(children[i]).EmitWithAckAsync(eventName, args, cancellationToken);
        }

        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (SocketIoTimeoutException)
        {
            // Each child timed out at the same deadline or answered in full: report everything that came back.
            var received = new List<JToken?>();
            foreach (var task in pending)
            {
                if (task.IsCompletedSuccessfully)
                {
                    received.AddRange(await task.ConfigureAwait(false));
                }
                else if (task.Exception?.InnerException is SocketIoTimeoutException partial)
                {
                    received.AddRange(partial.Responses);
                }
            }

            throw new SocketIoTimeoutException(received);
        }

        var all = new List<JToken?>();
        foreach (var task in pending)
        {
            all.AddRange(await task.ConfigureAwait(false));
        }

        return all;
    }

    private BroadcastOperator ForChild(SocketIoNamespace child) => new(child, _rooms, _except, _flags);
}
