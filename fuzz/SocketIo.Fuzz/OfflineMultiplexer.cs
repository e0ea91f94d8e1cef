using System.Reflection;
using StackExchange.Redis;

namespace SocketIo.Fuzz;

/// <summary>
/// A multiplexer that is never connected, so that an adapter's publish fails at once (the documented
/// <c>SocketIoClusterUnavailableException</c>) instead of waiting for a Redis that the fuzzer does not run.
/// </summary>
public class OfflineMultiplexer : DispatchProxy
{
    public static IConnectionMultiplexer Create() => Create<IConnectionMultiplexer, OfflineMultiplexer>();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
    {
        "get_IsConnected" => false,
        "get_IsConnecting" => false,
        "Dispose" => null,
        _ => throw new NotSupportedException("offline multiplexer: " + targetMethod?.Name),
    };
}
