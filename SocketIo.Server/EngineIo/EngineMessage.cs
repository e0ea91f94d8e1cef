namespace SocketIo.Server.EngineIo;

/// <summary>A received Engine.IO message: UTF-8 text or binary bytes.</summary>
public readonly record struct EngineMessage(ReadOnlyMemory<byte> Data, bool IsBinary);
