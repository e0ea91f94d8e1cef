namespace SocketIo.DirectWebSockets;

/// <summary>
/// Ids for the connections the loop serves for Kestrel, in the form of Kestrel's own (13 characters of base32 from a
/// counter that starts at the clock), so that logs and <c>HttpContext.Connection.Id</c> look as they always do.
/// </summary>
internal static class ConnectionIds
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
    private static long _last = DateTime.UtcNow.Ticks;

    public static string Next() => string.Create(13, Interlocked.Increment(ref _last), static (chars, id) =>
    {
        for (var i = 12; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(id & 31)];
            id >>= 5;
        }
    });
}
