using System.Globalization;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server.Protocol.Msgpack;

/// <summary>
/// JavaScript <c>Date</c> semantics needed by <see cref="NotepackReader"/>: the time value clipping of
/// <c>new Date(ms)</c> and the text forms of a Date (ECMA-262 TimeClip, Date.prototype.toISOString and toString).
/// </summary>
/// <remarks>
/// A JS Date spans ±8.64e15 ms (±273,790 years) while <see cref="DateTime"/> spans years 1–9999, so a decoded Date
/// outside the DateTime range cannot be a <see cref="JTokenType.Date"/> token; it becomes the ISO text that
/// <c>JSON.stringify</c> would send to clients for it (redis-wire §12: Dates reach clients as ISO strings).
/// </remarks>
internal static class JsDate
{
    /// <summary>The largest absolute time value a JS Date holds (ECMA-262 TimeClip).</summary>
    public const double MaxTimeValue = 8.64e15;

    private const long MsPerDay = 86_400_000;

    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    private static readonly string[] MonthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>
    /// ECMA-262 TimeClip: the time value <c>new Date(ms)</c> holds, or null for an Invalid Date (NaN, ±Infinity,
    /// beyond ±8.64e15). Fractions are truncated toward zero.
    /// </summary>
    public static long? TimeClip(double ms)
    {
        if (!double.IsFinite(ms) || Math.Abs(ms) > MaxTimeValue)
        {
            return null;
        }

        return (long)Math.Truncate(ms);
    }

    /// <summary>
    /// The token for a decoded Date with time value <paramref name="ms"/> (after <see cref="TimeClip"/>):
    /// a UTC <see cref="DateTime"/> when it fits, else its <c>toISOString()</c> text, and null for an Invalid Date
    /// (what <c>JSON.stringify</c> writes for it).
    /// </summary>
    public static JToken ToToken(double ms)
    {
        if (TimeClip(ms) is not { } time)
        {
            return JValue.CreateNull();
        }

        var ticks = DateTime.UnixEpoch.Ticks + ((Int128)time * TimeSpan.TicksPerMillisecond);
        if (ticks >= 0 && ticks <= DateTime.MaxValue.Ticks)
        {
            return new JValue(new DateTime((long)ticks, DateTimeKind.Utc));
        }

        return new JValue(ToIsoString(time));
    }

    /// <summary><c>Date.prototype.toISOString()</c>: <c>YYYY-MM-DDTHH:mm:ss.sssZ</c>, six-digit signed years outside 0–9999.</summary>
    public static string ToIsoString(long time)
    {
        var (year, month, day, _, msInDay) = Split(time);
        var yearText = year is >= 0 and <= 9999
            ? year.ToString("D4", CultureInfo.InvariantCulture)
            : (year < 0 ? "-" : "+") + Math.Abs(year).ToString("D6", CultureInfo.InvariantCulture);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{yearText}-{month:D2}-{day:D2}T{msInDay / 3_600_000:D2}:{msInDay / 60_000 % 60:D2}:{msInDay / 1000 % 60:D2}.{msInDay % 1000:D3}Z");
    }

    /// <summary>
    /// <c>String(date)</c> = <c>Date.prototype.toString()</c> as Node prints it in a UTC time zone
    /// (<c>Tue Jan 02 2024 03:04:05 GMT+0000 (Coordinated Universal Time)</c>); <c>Invalid Date</c> for NaN.
    /// Node uses the process's local zone; servers are assumed to run in UTC.
    /// </summary>
    public static string ToDateString(double ms)
    {
        if (TimeClip(ms) is not { } time)
        {
            return "Invalid Date";
        }

        var (year, month, day, weekDay, msInDay) = Split(time);
        var yearText = (year < 0 ? "-" : string.Empty) + Math.Abs(year).ToString("D4", CultureInfo.InvariantCulture);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{DayNames[weekDay]} {MonthNames[month - 1]} {day:D2} {yearText} {msInDay / 3_600_000:D2}:{msInDay / 60_000 % 60:D2}:{msInDay / 1000 % 60:D2} GMT+0000 (Coordinated Universal Time)");
    }

    /// <summary>Proleptic Gregorian calendar fields of a time value (days-from-civil inverse, H. Hinnant's algorithm).</summary>
    private static (long Year, int Month, int Day, int WeekDay, long MsInDay) Split(long time)
    {
        var days = Math.DivRem(time, MsPerDay, out var msInDay);
        if (msInDay < 0)
        {
            days--;
            msInDay += MsPerDay;
        }

        var weekDay = (int)(((days % 7) + 11) % 7); // 1970-01-01 was a Thursday (4)
        var z = days + 719_468;
        var era = (z >= 0 ? z : z - 146_096) / 146_097;
        var dayOfEra = z - (era * 146_097);
        var yearOfEra = (dayOfEra - (dayOfEra / 1460) + (dayOfEra / 36_524) - (dayOfEra / 146_096)) / 365;
        var dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        var mp = ((5 * dayOfYear) + 2) / 153;
        var day = (int)(dayOfYear - (((153 * mp) + 2) / 5) + 1);
        var month = (int)(mp < 10 ? mp + 3 : mp - 9);
        var year = yearOfEra + (era * 400) + (month <= 2 ? 1 : 0);
        return (year, month, day, weekDay, msInDay);
    }
}
