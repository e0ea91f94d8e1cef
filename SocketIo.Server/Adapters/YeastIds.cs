namespace SocketIo.Server.Adapters;

/// <summary>
/// Packet offsets in the format of npm <c>yeast</c>, which Node's session-aware adapter uses: the time in ms in a
/// base-64 alphabet, with <c>.seed</c> appended when several are made in one millisecond; unique and increasing
/// within one adapter.
/// </summary>
internal sealed class YeastIds(TimeProvider time)
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
    private readonly object _sync = new();
    private string? _previous;
    private long _seed;

    public string Next()
    {
        var now = Encode(time.GetUtcNow().ToUnixTimeMilliseconds());
        lock (_sync)
        {
            if (now != _previous)
            {
                _seed = 0;
                _previous = now;
                return now;
            }

            return now + "." + Encode(_seed++);
        }
    }

    internal static string Encode(long value)
    {
        Span<char> buffer = stackalloc char[12];
        var i = buffer.Length;
        do
        {
            buffer[--i] = Alphabet[(int)(value % 64)];
            value /= 64;
        }
        while (value > 0);

        return new string(buffer[i..]);
    }
}
