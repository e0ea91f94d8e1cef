namespace SocketIo.Server;

/// <summary>Why a socket left its namespace; <see cref="DisconnectReasons.ToWireString"/> gives Node's exact text (socket.io socket-types.ts).</summary>
public enum DisconnectReason
{
    /// <summary><c>transport error</c></summary>
    TransportError,
    /// <summary><c>transport close</c></summary>
    TransportClose,
    /// <summary><c>forced close</c></summary>
    ForcedClose,
    /// <summary><c>ping timeout</c></summary>
    PingTimeout,
    /// <summary><c>parse error</c></summary>
    ParseError,
    /// <summary><c>server shutting down</c></summary>
    ServerShuttingDown,
    /// <summary><c>forced server close</c></summary>
    ForcedServerClose,
    /// <summary><c>client namespace disconnect</c></summary>
    ClientNamespaceDisconnect,
    /// <summary><c>server namespace disconnect</c></summary>
    ServerNamespaceDisconnect,
}
