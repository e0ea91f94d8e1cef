namespace SocketIo.Server.EngineIo;

/// <summary>Engine.IO v4 packet types; the value is the digit that starts a packet on the wire (EP "Packet").</summary>
internal enum EnginePacketType : byte
{
    /// <summary><c>0</c>: handshake, sent by the server.</summary>
    Open = 0,
    /// <summary><c>1</c>: the transport may be closed.</summary>
    Close = 1,
    /// <summary><c>2</c>: heartbeat request (server → client in v4).</summary>
    Ping = 2,
    /// <summary><c>3</c>: heartbeat answer.</summary>
    Pong = 3,
    /// <summary><c>4</c>: application payload.</summary>
    Message = 4,
    /// <summary><c>5</c>: completes a transport upgrade.</summary>
    Upgrade = 5,
    /// <summary><c>6</c>: forces a polling cycle during an upgrade.</summary>
    Noop = 6,
}
