namespace SocketIo.Server.EngineIo;

/// <summary>The state of an Engine.IO session (Node: <c>socket.readyState</c>).</summary>
public enum EngineIoReadyState
{
    /// <summary>Handshake in progress.</summary>
    Opening,
    /// <summary>Open.</summary>
    Open,
    /// <summary>Closing after the write buffer drains.</summary>
    Closing,
    /// <summary>Closed.</summary>
    Closed,
}
