using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>
/// Turns .NET arguments into an event's packet data, <c>[eventName, ...args]</c>, exactly as the server converts its
/// own emits (the same <see cref="SocketIoOptions.JsonSerializerSettings"/> meaning; bytes stay bytes at any depth, so
/// they travel as binary). For code that publishes events without a server, such as an emitter
/// (<c>SocketIo.Redis.RedisEmitter</c>): the same value then reaches a client the same way whoever sent it.
/// </summary>
/// <param name="settings">The JSON settings; null: Newtonsoft's defaults, as the server's default.</param>
public sealed class EventArguments(JsonSerializerSettings? settings = null)
{
    private readonly JsonArgs _args = JsonArgs.Create(settings);

    /// <summary><c>[eventName, ...args]</c>: the <c>data</c> of an EVENT packet or of a server-side emit.</summary>
    public JArray ToEventArray(string eventName, IReadOnlyList<object?> args)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(args);
        return _args.EventArray(eventName, args);
    }
}
