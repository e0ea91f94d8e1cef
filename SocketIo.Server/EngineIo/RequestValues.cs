using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Primitives;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// A session's request headers or query, kept for its lifetime (<see cref="EngineIoRequest"/>) as one array of
/// pairs searched in order. A request has a dozen of them; a Dictionary's buckets and entries cost twice the bytes,
/// twice over, on every idle connection (0.3 KB of its 4.8, #14). Keys are unique under the comparer: a later
/// value replaces an earlier one, as an indexer assignment would.
/// </summary>
internal sealed class RequestValues : IReadOnlyDictionary<string, StringValues>
{
    private readonly KeyValuePair<string, StringValues>[] _entries;
    private readonly StringComparer _comparer;

    private RequestValues(KeyValuePair<string, StringValues>[] entries, StringComparer comparer)
    {
        _entries = entries;
        _comparer = comparer;
    }

    /// <summary>The comparer of the keys: case-insensitive for headers, ordinal for the query (Node's parser).</summary>
    public StringComparer Comparer => _comparer;

    public int Count => _entries.Length;

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public IEnumerable<StringValues> Values => _entries.Select(e => e.Value);

    public StringValues this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"'{key}' is not in the request.");

    /// <summary>Copies <paramref name="source"/> (<paramref name="count"/> is its size, a hint), values shared where <paramref name="share"/> says.</summary>
    public static RequestValues From(IEnumerable<KeyValuePair<string, StringValues>> source, int count, StringComparer comparer, Func<KeyValuePair<string, StringValues>, KeyValuePair<string, StringValues>>? share = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source is RequestValues { } already && already._comparer == comparer && share is null)
        {
            return already;
        }

        var entries = new KeyValuePair<string, StringValues>[count];
        var used = 0;
        foreach (var pair in source)
        {
            var entry = share is null ? pair : share(pair);
            var at = IndexOf(entries, used, entry.Key, comparer);
            if (at >= 0)
            {
                entries[at] = entry;
                continue;
            }

            if (used == entries.Length)
            {
                Array.Resize(ref entries, Math.Max(4, used * 2));
            }

            entries[used++] = entry;
        }

        if (used != entries.Length)
        {
            Array.Resize(ref entries, used);
        }

        return new RequestValues(entries, comparer);
    }

    public bool ContainsKey(string key) => IndexOf(_entries, _entries.Length, key, _comparer) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out StringValues value)
    {
        var at = IndexOf(_entries, _entries.Length, key, _comparer);
        value = at >= 0 ? _entries[at].Value : default;
        return at >= 0;
    }

    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, StringValues>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static int IndexOf(KeyValuePair<string, StringValues>[] entries, int count, string key, StringComparer comparer)
    {
        ArgumentNullException.ThrowIfNull(key);
        for (var i = 0; i < count; i++)
        {
            if (comparer.Equals(entries[i].Key, key))
            {
                return i;
            }
        }

        return -1;
    }
}
