namespace SocketIo.Server.Protocol;

/// <summary>Socket.IO v5 packet types (SP "Packet types"; socket.io-parser <c>PacketType</c>).</summary>
public enum SocketIoPacketType
{
    /// <summary><c>0</c>: connect to a namespace, or the server's confirmation.</summary>
    Connect = 0,
    /// <summary><c>1</c>: leave a namespace.</summary>
    Disconnect = 1,
    /// <summary><c>2</c>: an event.</summary>
    Event = 2,
    /// <summary><c>3</c>: an acknowledgement.</summary>
    Ack = 3,
    /// <summary><c>4</c>: a refused namespace connection.</summary>
    ConnectError = 4,
    /// <summary><c>5</c>: an event with binary attachments.</summary>
    BinaryEvent = 5,
    /// <summary><c>6</c>: an acknowledgement with binary attachments.</summary>
    BinaryAck = 6,
}
