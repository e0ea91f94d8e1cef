using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace SocketIo.Server;

/// <summary>
/// The sockets of one connection as a read-only map, keyed by socket id or by namespace name: a live view over the
/// connection's copy-on-write array (one or two sockets), so each read is current and needs no lock, and an
/// enumeration walks the array of the moment it starts.
/// </summary>
internal sealed class ConnectionSocketsView(NamespaceSockets sockets, Func<SocketIoSocket, string> keyOf) : IReadOnlyDictionary<string, SocketIoSocket>
{
    public int Count => sockets.Snapshot.Length;

    public IEnumerable<string> Keys => sockets.Snapshot.Select(keyOf);

    public IEnumerable<SocketIoSocket> Values => sockets.Snapshot;

    public SocketIoSocket this[string key] =>
        TryGetValue(key, out var socket) ? socket : throw new KeyNotFoundException($"'{key}' is not in the map.");

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out SocketIoSocket value)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var socket in sockets.Snapshot)
        {
            if (string.Equals(keyOf(socket), key, StringComparison.Ordinal))
            {
                value = socket;
                return true;
            }
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, SocketIoSocket>> GetEnumerator()
    {
        foreach (var socket in sockets.Snapshot)
        {
            yield return new(keyOf(socket), socket);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
