using SocketIo.Server;

namespace SocketIo.InteropServer;

/// <summary>The echo event as a handled contract (TYPED_ECHO=1): what the typed-vs-untyped benchmark compares.</summary>
public interface IEchoEvents
{
    /// <summary>Acks the string it got.</summary>
    Task<string> Echo(string text);
}

/// <summary>One instance for every socket: it keeps no state.</summary>
internal sealed class TypedEcho : IEchoEvents
{
    public static readonly TypedEcho Instance = new();

    public Task<string> Echo(string text) => Task.FromResult(text);
}
