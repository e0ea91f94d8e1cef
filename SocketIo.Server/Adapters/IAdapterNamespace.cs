namespace SocketIo.Server.Adapters;

/// <summary>
/// The narrow view of a namespace that an adapter gets: its name, its local sockets, the ack id counter, the
/// server-side event listeners, and the clock — never the whole namespace object.
/// </summary>
public interface IAdapterNamespace
{
    /// <summary>The namespace name, e.g. <c>/</c> or <c>/chat</c>.</summary>
    string Name { get; }

    /// <summary>Time source for request timeouts.</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>Finds a connected local socket.</summary>
    bool TryGetSocket(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SocketIoSocket? socket);

    /// <summary>Connected local sockets.</summary>
    IEnumerable<SocketIoSocket> Sockets { get; }

    /// <summary>Next server-side ack id of the namespace (Node: <c>nsp._ids++</c>).</summary>
    long NextAckId();

    /// <summary>
    /// Delivers an event emitted by another node with <c>serverSideEmit</c> to the local listeners (Node:
    /// <c>nsp._onServerSideEmit</c>). <paramref name="ack"/>, when given, receives the local answer.
    /// </summary>
    void OnServerSideEmit(Newtonsoft.Json.Linq.JArray args, Action<Newtonsoft.Json.Linq.JToken?>? ack);
}
