using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Server;

public sealed partial class SocketIoSocket
{
    /// <summary>
    /// Leaves the namespace (Node: <c>socket.disconnect(close)</c>): sends DISCONNECT and ends with
    /// <see cref="DisconnectReason.ServerNamespaceDisconnect"/>; with <paramref name="close"/>, closes the whole
    /// connection, every namespace of it included.
    /// </summary>
    public ValueTask DisconnectAsync(bool close = false)
    {
        Disconnect(close);
        return ValueTask.CompletedTask;
    }

    internal void Disconnect(bool close)
    {
        if (!Connected)
        {
            return;
        }

        if (close)
        {
            Connection.DisconnectAll();
        }
        else
        {
            WritePacket(new SocketIoPacket(SocketIoPacketType.Disconnect, Namespace.Name, null), BroadcastFlags.None);
            OnClose(DisconnectReason.ServerNamespaceDisconnect);
        }
    }

    /// <summary>Marks the socket connected and joins its own room (Node: first half of <c>socket._onconnect</c>).</summary>
    internal ValueTask OnConnectAsync()
    {
        System.Threading.Volatile.Write(ref _state, 1);
        return JoinAsync(Id);
    }

    /// <summary>
    /// Confirms the connection with CONNECT <c>{"sid":…}</c>, or <c>{"sid":…,"pid":…}</c> with connection state recovery
    /// (Node: second half of <c>socket._onconnect</c>).
    /// </summary>
    internal void SendConnect()
    {
        if (Connection.Conn.Protocol == 3)
        {
            // A 2.x client's CONNECT carries nothing: its id is derived from the Engine.IO id (socket.ts _onconnect).
            WritePacket(new SocketIoPacket(SocketIoPacketType.Connect, Namespace.Name, null), BroadcastFlags.None);
            return;
        }

        // pid is undefined without recovery, as in Node: JSON leaves it out, msgpack writes notepack's undefined.
        var data = new JObject { ["sid"] = Id, ["pid"] = Pid is null ? JValue.CreateUndefined() : Pid };

        WritePacket(new SocketIoPacket(SocketIoPacketType.Connect, Namespace.Name, data), BroadcastFlags.None);
    }

    /// <summary>Sends a recovered socket the packets it missed, each as it was broadcast (offset last), before CONNECT (socket.ts constructor).</summary>
    internal void ReplayMissed(IReadOnlyList<JArray> missed)
    {
        foreach (var data in missed)
        {
            WritePacket(new SocketIoPacket(SocketIoPacketType.Event, Namespace.Name, data), BroadcastFlags.None);
        }
    }

    /// <summary>The reasons after which a socket can be recovered: the connection was lost, not left (socket.ts RECOVERABLE_DISCONNECT_REASONS).</summary>
    private static bool IsRecoverable(DisconnectReason reason) => reason is DisconnectReason.TransportError or DisconnectReason.TransportClose
        or DisconnectReason.ForcedClose or DisconnectReason.PingTimeout or DisconnectReason.ServerShuttingDown or DisconnectReason.ForcedServerClose;

    private async Task PersistAsync(PersistedSession session)
    {
        try
        {
            await Adapter.PersistSessionAsync(session).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerError(ex, "persist session");
        }
    }

    /// <summary>Refuses the connection with CONNECT_ERROR (Node: <c>socket._error</c>).</summary>
    internal void SendConnectError(JToken error) =>
        WritePacket(new SocketIoPacket(SocketIoPacketType.ConnectError, Namespace.Name, error), BroadcastFlags.None);

    /// <summary>The socket leaves (Node: <c>socket._onclose</c>): disconnecting handlers, cleanup, disconnect handlers.</summary>
    internal void OnClose(DisconnectReason reason, string? description = null)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            return;
        }

        Server.Metrics.SocketDisconnected(Namespace.Name);

        // Handlers start here with rooms still joined; what they do after their first await sees the socket gone.
        foreach (var handler in _disconnecting?.Snapshot ?? [])
        {
            _ = RunHandlerAsync(() => handler(reason, description), "disconnecting");
        }

        if (Pid is not null && IsRecoverable(reason))
        {
            // Kept with the rooms it had, before they are left (socket.ts _onclose).
            _ = PersistAsync(new PersistedSession(Id, Pid, Rooms, System.Threading.Volatile.Read(ref _data)));
        }

        Cleanup();
        Connection.Remove(this);
        if (Interlocked.Exchange(ref _disconnected, AlreadyDisconnected) is { } watched && watched != AlreadyDisconnected)
        {
            watched.Cancel();
        }
        // Node keeps waiting forever; here a pending EmitWithAckAsync ends as cancelled.
        foreach (var id in _acks?.Keys ?? (ICollection<long>)Array.Empty<long>())
        {
            if (_acks!.TryRemove(id, out var pending))
            {
                pending.OnAbandon?.Invoke();
            }
        }

        foreach (var handler in _disconnect?.Snapshot ?? [])
        {
            _ = RunHandlerAsync(() => handler(reason, description), "disconnect");
        }
    }

    /// <summary>Leaves every room and the namespace (Node: <c>socket._cleanup</c>).</summary>
    internal void Cleanup()
    {
        System.Threading.Volatile.Write(ref _state, 2);
        _ = CleanupRoomsAsync();
        Namespace.Remove(this);
    }

    private async Task CleanupRoomsAsync()
    {
        try
        {
            await Adapter.DelAllAsync(Id).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerError(ex, "adapter cleanup");
        }
    }

    /// <summary>A protocol error on the connection (Node: <c>socket._onerror</c>).</summary>
    internal void OnProtocolError(Exception error) => _ = RaiseErrorAsync(error);
}
