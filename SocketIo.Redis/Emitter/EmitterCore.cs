using SocketIo.Server;
using Newtonsoft.Json.Linq;

namespace SocketIo.Redis.Emitter;

/// <summary>
/// What every namespace and operator of one emitter shares: where publications go, the key, the parser and the
/// argument conversions, fixed when the emitter is made (Node copies <c>opts</c> the same way).
/// </summary>
internal sealed class EmitterCore
{
    private readonly Func<WireMessage, Task> _publish;

    public EmitterCore(Func<WireMessage, Task> publish, RedisEmitterOptions options)
    {
        _publish = publish;
        ArgumentException.ThrowIfNullOrEmpty(options.Key, nameof(options));
        Key = options.Key;
        Encode = options.Parser ?? throw new ArgumentException("RedisEmitterOptions.Parser is null.", nameof(options));
        Args = new EventArguments(options.JsonSerializerSettings);
    }

    public string Key { get; }

    public Func<JToken, byte[]> Encode { get; }

    public EventArguments Args { get; }

    /// <summary>
    /// Issues the PUBLISH before it returns, so that publications keep their call order even when the caller does not
    /// await each one; the token cancels the wait only (a PUBLISH that was issued may still arrive).
    /// </summary>
    public Task PublishAsync(WireMessage message, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var sent = _publish(message);
        return cancellationToken.CanBeCanceled ? sent.WaitAsync(cancellationToken) : sent;
    }
}
