using System.Globalization;
using Newtonsoft.Json.Linq;

namespace SocketIo.Tests.Redis;

/// <summary>
/// Structural comparison of two values of the JToken value model, as JavaScript sees them: numbers compare as JS
/// numbers (doubles, NaN equal to NaN, integer and float tokens alike), object keys must match in order (the
/// encoders write that order), bytes by content, dates by instant, undefined only equals undefined.
/// </summary>
public static class JsValueComparer
{
    /// <summary>Null when equal, else a description of the first difference with its path.</summary>
    public static string? FirstDifference(JToken? expected, JToken? actual, string path = "$")
    {
        var e = expected ?? JValue.CreateNull();
        var a = actual ?? JValue.CreateNull();
        if (IsNumber(e) && IsNumber(a))
        {
            var x = ToDouble(e);
            var y = ToDouble(a);
            return x.Equals(y) ? null : $"{path}: expected number {Show(e)}, got {Show(a)}";
        }

        if (e.Type != a.Type)
        {
            return $"{path}: expected {e.Type} {Show(e)}, got {a.Type} {Show(a)}";
        }

        switch (e)
        {
            case JObject eo:
                var ao = (JObject)a;
                var eNames = eo.Properties().Select(p => p.Name).ToList();
                var aNames = ao.Properties().Select(p => p.Name).ToList();
                if (!eNames.SequenceEqual(aNames, StringComparer.Ordinal))
                {
                    return $"{path}: expected keys [{string.Join(",", eNames)}], got [{string.Join(",", aNames)}]";
                }

                foreach (var name in eNames)
                {
                    if (FirstDifference(eo[name], ao[name], $"{path}.{name}") is { } diff)
                    {
                        return diff;
                    }
                }

                return null;
            case JArray ea:
                var aa = (JArray)a;
                if (ea.Count != aa.Count)
                {
                    return $"{path}: expected {ea.Count} items, got {aa.Count}";
                }

                for (var i = 0; i < ea.Count; i++)
                {
                    if (FirstDifference(ea[i], aa[i], $"{path}[{i}]") is { } diff)
                    {
                        return diff;
                    }
                }

                return null;
            case JValue { Type: JTokenType.Bytes } eb:
                return ((byte[])eb.Value!).AsSpan().SequenceEqual((byte[])((JValue)a).Value!) ? null : $"{path}: expected bytes {Show(e)}, got {Show(a)}";
            case JValue { Type: JTokenType.Date } ed:
                var et = ((DateTime)ed.Value!).ToUniversalTime();
                var at = ((DateTime)((JValue)a).Value!).ToUniversalTime();
                return et == at ? null : $"{path}: expected date {Show(e)}, got {Show(a)}";
            case JValue ev:
                return Equals(ev.Value, ((JValue)a).Value) ? null : $"{path}: expected {Show(e)}, got {Show(a)}";
            default:
                return $"{path}: cannot compare {e.Type}";
        }
    }

    private static bool IsNumber(JToken t) => t.Type is JTokenType.Integer or JTokenType.Float;

    private static double ToDouble(JToken t) => Convert.ToDouble(((JValue)t).Value, CultureInfo.InvariantCulture);

    private static string Show(JToken t) => t switch
    {
        JValue { Type: JTokenType.Bytes } b => "0x" + Convert.ToHexStringLower((byte[])b.Value!),
        JValue { Type: JTokenType.Date } d => ((DateTime)d.Value!).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        JValue { Type: JTokenType.Undefined } => "undefined",
        JValue { Type: JTokenType.Float } f => Convert.ToDouble(f.Value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
        _ => t.ToString(Newtonsoft.Json.Formatting.None),
    };
}
