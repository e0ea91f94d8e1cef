namespace SocketIo.Redis;

/// <summary>The classic adapter's request/response type numbers (redis-adapter index.ts <c>RequestType</c>, redis-wire §5.1).</summary>
internal static class ClassicRequestType
{
    public const int Sockets = 0;
    public const int AllRooms = 1;
    public const int RemoteJoin = 2;
    public const int RemoteLeave = 3;
    public const int RemoteDisconnect = 4;
    public const int RemoteFetch = 5;
    public const int ServerSideEmit = 6;
    public const int Broadcast = 7;
    public const int BroadcastClientCount = 8;
    public const int BroadcastAck = 9;
}
