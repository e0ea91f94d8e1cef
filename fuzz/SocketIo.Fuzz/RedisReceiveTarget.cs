using System.Reflection;
using SocketIo.Redis;
using SocketIo.Server;

namespace SocketIo.Fuzz;

/// <summary>
/// The adapters' inbound handlers, decode and dispatch together: byte 0 picks the classic broadcast, request or
/// response handler of <see cref="RedisAdapter"/> or the sharded handler of <see cref="ShardedRedisAdapter"/>; the rest
/// is the payload. The handlers are private (Redis calls them); they are reached by name, so a rename fails the corpus
/// replay test loudly rather than leaving this target silently empty. Malformed payloads are logged and dropped; the
/// only failure a handler may report is that Redis is unreachable (the answer it tried to publish).
/// </summary>
internal static class RedisReceiveTarget
{
    private static readonly Lazy<Handlers> Instance = new(Handlers.Create);

    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var handlers = Instance.Value;
        var payload = input[1..];
        try
        {
            switch (input[0] % 5)
            {
                case 0:
                    Await(handlers.ClassicBroadcast(handlers.Classic.Channels.BroadcastBase, payload));
                    break;
                case 1:
                    Await(handlers.ClassicBroadcast(handlers.Classic.Channels.Room("room"), payload));
                    break;
                case 2:
                    Await(handlers.ClassicRequest(handlers.Classic.Channels.Request, payload));
                    break;
                case 3:
                    Await(handlers.ClassicResponse(handlers.Classic.Channels.Response, payload));
                    break;
                default:
                    handlers.Sharded("socket.io#/#", (input[0] & 0x80) != 0, payload);
                    break;
            }
        }
        catch (SocketIoClusterUnavailableException)
        {
            // An answer (sockets, rooms, a legacy join) could not be published: the offline multiplexer.
        }
    }

    private static void Await(Task task) => task.GetAwaiter().GetResult();

    private sealed record Handlers(
        RedisAdapter Classic,
        Func<string, byte[], Task> ClassicBroadcast,
        Func<string, byte[], Task> ClassicRequest,
        Func<string, byte[], Task> ClassicResponse,
        Action<string, bool, byte[]> Sharded)
    {
        public static Handlers Create()
        {
            var connection = new RedisConnection(OfflineMultiplexer.Create());
            var classic = new RedisAdapter(new FuzzNamespace(), connection, new RedisAdapterOptions());
            var sharded = new ShardedRedisAdapter(new FuzzNamespace(), connection, new ShardedRedisAdapterOptions());
            return new Handlers(
                classic,
                Private<Func<string, byte[], Task>>(classic, "OnBroadcastMessageAsync"),
                Private<Func<string, byte[], Task>>(classic, "OnRequestMessageAsync"),
                Private<Func<string, byte[], Task>>(classic, "OnResponseMessageAsync"),
                Private<Action<string, bool, byte[]>>(sharded, "OnShardedMessage"));
        }

        private static T Private<T>(object target, string name)
            where T : Delegate
        {
            var method = target.GetType().GetMethod(name, BindingFlags.Instance | BindingFlags.NonPublic)
                ?? throw new MissingMethodException(target.GetType().Name, name);
            return method.CreateDelegate<T>(target);
        }
    }
}
