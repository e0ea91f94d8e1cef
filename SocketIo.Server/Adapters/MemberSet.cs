using System.Collections;

namespace SocketIo.Server.Adapters;

/// <summary>
/// One entry of <see cref="InMemoryAdapter"/>'s maps: a room's socket ids, or a socket's rooms. Most hold one member
/// (every socket's own room, and the socket's set while it has joined nothing else): that one is a field, and a
/// hash set is made from the second member on. A HashSet of one is 176 bytes, twice per socket (#14); this is 32.
/// Not thread-safe: the adapter's lock guards it. Ordinal, as the adapter's keys.
/// </summary>
internal sealed class MemberSet : IEnumerable<string>
{
    private string? _one; // the only member, until there is a second
    private HashSet<string>? _many; // once there was a second member (kept if it shrinks again)

    public int Count => _many?.Count ?? (_one is null ? 0 : 1);

    public bool Add(string item)
    {
        if (_many is not null)
        {
            return _many.Add(item);
        }

        if (_one is null)
        {
            _one = item;
            return true;
        }

        if (string.Equals(_one, item, StringComparison.Ordinal))
        {
            return false;
        }

        _many = new HashSet<string>(StringComparer.Ordinal) { _one, item };
        _one = null;
        return true;
    }

    public bool Remove(string item)
    {
        if (_many is not null)
        {
            return _many.Remove(item);
        }

        if (_one is null || !string.Equals(_one, item, StringComparison.Ordinal))
        {
            return false;
        }

        _one = null;
        return true;
    }

    public bool Contains(string item) => _many?.Contains(item) ?? string.Equals(_one, item, StringComparison.Ordinal);

    public string[] ToArray() => _many is not null ? [.. _many] : _one is null ? [] : [_one];

    /// <summary>A struct enumerator: a broadcast walks its room's members without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<string> IEnumerable<string>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks the one member, or the hash set's.</summary>
    public struct Enumerator : IEnumerator<string>
    {
        private readonly string? _one;
        private readonly bool _many;
        private HashSet<string>.Enumerator _inner;
        private bool _started;

        internal Enumerator(MemberSet set)
        {
            _one = set._one;
            _many = set._many is not null;
            _inner = _many ? set._many!.GetEnumerator() : default;
            _started = false;
            Current = null!;
        }

        public string Current { get; private set; }

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (_many)
            {
                if (_inner.MoveNext())
                {
                    Current = _inner.Current;
                    return true;
                }

                return false;
            }

            if (_started || _one is null)
            {
                return false;
            }

            _started = true;
            Current = _one;
            return true;
        }

        public readonly void Reset() => throw new NotSupportedException();

        public readonly void Dispose()
        {
        }
    }
}
