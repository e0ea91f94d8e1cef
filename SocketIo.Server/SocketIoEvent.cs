using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>
/// An event received from a client (Node: the arguments of <c>socket.on(name, (...args, callback) => …)</c>):
/// its name, its arguments, and the acknowledgement callback when the client asked for one.
/// </summary>
public sealed class SocketIoEvent
{
    private readonly long? _ackId;
    private int _acked;

    internal SocketIoEvent(SocketIoSocket socket, string name, JArray args, long? ackId)
    {
        Socket = socket;
        Name = name;
        Args = args;
        _ackId = ackId;
    }

    /// <summary>The socket that received the event.</summary>
    public SocketIoSocket Socket { get; }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>The arguments after the name; binary arguments are <see cref="JTokenType.Bytes"/> values.</summary>
    public JArray Args { get; }

    /// <summary>Whether the client expects an acknowledgement.</summary>
    public bool HasAck => _ackId.HasValue;

    /// <summary>
    /// Argument <paramref name="index"/> converted to <typeparamref name="T"/> with <see cref="SocketIoOptions.JsonSerializerSettings"/>,
    /// or default when absent.
    /// </summary>
    public T? GetValue<T>(int index) => index < Args.Count ? Socket.Server.Json.ToObject<T>(Args[index]) : default;

    /// <summary>
    /// Answers the client's acknowledgement (Node: calling the callback). Only the first call sends anything,
    /// as in Node; without an ack request it does nothing.
    /// </summary>
    public ValueTask AckAsync(params object?[] args)
    {
        if (_ackId is not { } id || Interlocked.Exchange(ref _acked, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        Socket.SendAck(id, Socket.Server.Json.ToArray(args));
        return ValueTask.CompletedTask;
    }
}
