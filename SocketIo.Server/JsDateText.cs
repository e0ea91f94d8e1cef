using System.Globalization;

namespace SocketIo.Server;

/// <summary>
/// The text form of a JS <c>Date</c> that Node puts in <c>socket.handshake.time</c> (<c>new Date() + ""</c>, i.e.
/// <c>Date.prototype.toString()</c>), written and read so that a handshake crosses a cluster unchanged
/// (redis-wire §8.2). SocketIo.Redis's JsDate writes the same text for Dates decoded from MessagePack.
/// </summary>
internal static class JsDateText
{
    // "Thu Nov 26 2026 04:12:51": the part before the zone, fixed width for four-digit years.
    private const string Prefix = "ddd MMM dd yyyy HH:mm:ss";
    private const string Gmt = " GMT";

    /// <summary>
    /// <c>Date.prototype.toString()</c> as Node prints it in a UTC time zone, e.g.
    /// <c>Thu Nov 26 2026 05:08:05 GMT+0000 (Coordinated Universal Time)</c>; servers are assumed to run in UTC.
    /// </summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString(Prefix, CultureInfo.InvariantCulture) + Gmt + "+0000 (Coordinated Universal Time)";

    /// <summary>
    /// Reads the text <see cref="Format"/> writes, from a Node process in any time zone
    /// (<c>… GMT+0100 (Central European Standard Time)</c>): the instant, with the writer's offset.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        // "ddd MMM dd yyyy HH:mm:ss GMT+hhmm", then an optional " (zone name)".
        const int prefixLength = 24;
        const int offsetStart = prefixLength + 4;
        if (text is null || text.Length < offsetStart + 5 || string.CompareOrdinal(text, prefixLength, Gmt, 0, Gmt.Length) != 0)
        {
            return false;
        }

        if (!DateTime.TryParseExact(text.AsSpan(0, prefixLength), Prefix, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            || text[offsetStart] is not ('+' or '-')
            || !int.TryParse(text.AsSpan(offsetStart + 1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(text.AsSpan(offsetStart + 3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || minutes >= 60 || hours > 14)
        {
            return false;
        }

        var offset = new TimeSpan(hours, minutes, 0);
        time = new DateTimeOffset(local, text[offsetStart] == '-' ? -offset : offset);
        return true;
    }
}
