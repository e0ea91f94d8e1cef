namespace SocketIo.Server.EngineIo;

/// <summary>What became of packets handed to a session for sending.</summary>
internal enum EngineWriteResult
{
    /// <summary>Queued on the session; the transport sends them when it can.</summary>
    Written,

    /// <summary>Not queued: the session is over its outbound limit (a volatile packet is dropped) or was closed for it.</summary>
    Full,

    /// <summary>Not queued: the session is closing or closed.</summary>
    Gone,
}
