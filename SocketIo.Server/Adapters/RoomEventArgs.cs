namespace SocketIo.Server.Adapters;

/// <summary>A room event: the room, and the socket for join/leave.</summary>
public sealed class RoomEventArgs(string room, string? socketId) : EventArgs
{
    /// <summary>The room.</summary>
    public string Room { get; } = room;

    /// <summary>The socket that joined or left, if any.</summary>
    public string? SocketId { get; } = socketId;
}
