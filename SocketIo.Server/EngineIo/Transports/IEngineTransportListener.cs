namespace SocketIo.Server.EngineIo.Transports;

/// <summary>What a transport reports to the session that owns it.</summary>
internal interface IEngineTransportListener
{
    /// <summary>A packet arrived; <c>null</c> means it could not be decoded (a parse error).</summary>
    void OnTransportPacket(EngineTransport transport, EnginePacket? packet);

    /// <summary>The transport can send again.</summary>
    void OnTransportReady(EngineTransport transport);

    /// <summary>The transport failed.</summary>
    void OnTransportError(EngineTransport transport, string message);

    /// <summary>The transport closed.</summary>
    void OnTransportClose(EngineTransport transport);
}
