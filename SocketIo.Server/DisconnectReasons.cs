namespace SocketIo.Server;

/// <summary>Maps <see cref="DisconnectReason"/> to and from Node's strings.</summary>
public static class DisconnectReasons
{
    /// <summary>Node's text for the reason.</summary>
    public static string ToWireString(this DisconnectReason reason) => reason switch
    {
        DisconnectReason.TransportError => "transport error",
        DisconnectReason.TransportClose => "transport close",
        DisconnectReason.ForcedClose => "forced close",
        DisconnectReason.PingTimeout => "ping timeout",
        DisconnectReason.ParseError => "parse error",
        DisconnectReason.ServerShuttingDown => "server shutting down",
        DisconnectReason.ForcedServerClose => "forced server close",
        DisconnectReason.ClientNamespaceDisconnect => "client namespace disconnect",
        DisconnectReason.ServerNamespaceDisconnect => "server namespace disconnect",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    /// <summary>Parses Node's text; unknown text maps to <see cref="DisconnectReason.TransportError"/>.</summary>
    public static DisconnectReason FromWireString(string reason) => reason switch
    {
        "transport close" => DisconnectReason.TransportClose,
        "forced close" => DisconnectReason.ForcedClose,
        "ping timeout" => DisconnectReason.PingTimeout,
        "parse error" => DisconnectReason.ParseError,
        "server shutting down" => DisconnectReason.ServerShuttingDown,
        "forced server close" => DisconnectReason.ForcedServerClose,
        "client namespace disconnect" => DisconnectReason.ClientNamespaceDisconnect,
        "server namespace disconnect" => DisconnectReason.ServerNamespaceDisconnect,
        _ => DisconnectReason.TransportError,
    };
}
