using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>An event sent by another server of the cluster with <c>serverSideEmit</c> (Node: <c>io.on(name, (...args, ack) => …)</c>).</summary>
public sealed class ServerSideEvent
{
    private readonly Action<JToken?>? _ack;
    private readonly JsonArgs _json;
    private int _acked;

    internal ServerSideEvent(string name, JArray args, Action<JToken?>? ack, JsonArgs json)
    {
        _json = json;
        Name = name;
        Args = args;
        _ack = ack;
    }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>The arguments after the name.</summary>
    public JArray Args { get; }

    /// <summary>Whether the sender waits for an answer.</summary>
    public bool HasAck => _ack is not null;

    /// <summary>Argument <paramref name="index"/> as <typeparamref name="T"/>, with <see cref="SocketIoOptions.JsonSerializerSettings"/>.</summary>
    public T? GetValue<T>(int index) => index < Args.Count ? _json.ToObject<T>(Args[index]) : default;

    /// <summary>Answers the sender; only the first call counts.</summary>
    public ValueTask AckAsync(object? response)
    {
        if (_ack is not null && Interlocked.Exchange(ref _acked, 1) == 0)
        {
            _ack(_json.ToToken(response));
        }

        return ValueTask.CompletedTask;
    }
}
