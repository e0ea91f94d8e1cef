namespace SocketIo.Server;

/// <summary>
/// The sockets of one connection, one per namespace joined. A connection joins one or two namespaces, so a
/// copy-on-write array read without a lock costs less per message, and far less memory per connection, than a
/// concurrent dictionary (which allocates its buckets, nodes and locks for every connection).
/// </summary>
internal sealed class NamespaceSockets
{
    private SocketIoSocket[] _sockets = [];

    public bool IsEmpty => Volatile.Read(ref _sockets).Length == 0;

    /// <summary>The sockets now; later changes do not affect the array returned.</summary>
    public SocketIoSocket[] Snapshot => Volatile.Read(ref _sockets);

    public SocketIoSocket? Find(string namespaceName)
    {
        foreach (var socket in Volatile.Read(ref _sockets))
        {
            if (string.Equals(socket.Namespace.Name, namespaceName, StringComparison.Ordinal))
            {
                return socket;
            }
        }

        return null;
    }

    /// <summary>Adds <paramref name="socket"/>, replacing the socket of the same namespace if there is one.</summary>
    public void Set(SocketIoSocket socket)
    {
        lock (this)
        {
            var current = _sockets;
            var index = current.Length;
            for (var i = 0; i < current.Length; i++)
            {
                if (string.Equals(current[i].Namespace.Name, socket.Namespace.Name, StringComparison.Ordinal))
                {
                    index = i;
                    break;
                }
            }

            var next = new SocketIoSocket[Math.Max(current.Length, index + 1)];
            current.CopyTo(next, 0);
            next[index] = socket;
            Volatile.Write(ref _sockets, next);
        }
    }

    /// <summary>Removes <paramref name="socket"/> itself (not another socket of its namespace).</summary>
    public void Remove(SocketIoSocket socket)
    {
        lock (this)
        {
            var current = _sockets;
            var index = Array.IndexOf(current, socket);
            if (index < 0)
            {
                return;
            }

            var next = new SocketIoSocket[current.Length - 1];
            Array.Copy(current, 0, next, 0, index);
            Array.Copy(current, index + 1, next, index, current.Length - index - 1);
            Volatile.Write(ref _sockets, next);
        }
    }

    public void Clear() => Volatile.Write(ref _sockets, []);
}
