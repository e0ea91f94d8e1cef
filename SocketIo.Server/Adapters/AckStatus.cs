namespace SocketIo.Server.Adapters;

/// <summary>How a socket's part of an acknowledged send ended.</summary>
public enum AckStatus
{
    /// <summary>The client acknowledged.</summary>
    Answered,

    /// <summary>The deadline passed first.</summary>
    TimedOut,

    /// <summary>The socket disconnected first.</summary>
    Disconnected,
}
