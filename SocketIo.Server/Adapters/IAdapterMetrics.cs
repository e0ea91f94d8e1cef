namespace SocketIo.Server.Adapters;

/// <summary>The instruments an adapter reports to, through its port (the server's <c>socketio.*</c> meter).</summary>
public interface IAdapterMetrics
{
    /// <summary>A broadcast reached <paramref name="recipients"/> local sockets.</summary>
    void Broadcast(int recipients);
}
