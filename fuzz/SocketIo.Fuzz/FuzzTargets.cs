namespace SocketIo.Fuzz;

/// <summary>
/// Every fuzz target by name. A target returns normally for any input the decoder accepts or rejects the documented
/// way, and throws (a crash to afl, a failure to the corpus replay test) only on a real bug.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets; the name is also the folder of its seed corpus under fuzz/corpus/.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new SortedDictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["engine-packet"] = EnginePacketTarget.Run,
        ["engine-payload"] = EnginePayloadTarget.Run,
        ["engine-v3-payload"] = EngineV3PayloadTarget.Run,
        ["socketio-packet"] = SocketIoPacketTarget.Run,
        ["websocket-frames"] = WebSocketFramesTarget.Run,
        ["websocket-handshake"] = WebSocketHandshakeTarget.Run,
        ["utf8-stream"] = Utf8StreamTarget.Run,
        ["notepack"] = NotepackTarget.Run,
        ["msgpack-packet"] = MsgpackPacketTarget.Run,
        ["cluster-payload"] = ClusterPayloadTarget.Run,
        ["redis-receive"] = RedisReceiveTarget.Run,
    };
}
