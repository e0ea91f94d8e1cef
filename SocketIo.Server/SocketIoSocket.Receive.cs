using Newtonsoft.Json.Linq;
using SocketIo.Server.Protocol;

namespace SocketIo.Server;

public sealed partial class SocketIoSocket
{
    /// <summary>A packet for this namespace arrived (Node: <c>socket._onpacket</c>). Runs on the receive path: never waits for user code.</summary>
    internal void OnPacket(SocketIoPacket packet)
    {
        switch (packet.Type)
        {
            case SocketIoPacketType.Event:
            case SocketIoPacketType.BinaryEvent:
                OnEvent(packet);
                break;
            case SocketIoPacketType.Ack:
            case SocketIoPacketType.BinaryAck:
                OnAck(packet);
                break;
            case SocketIoPacketType.Disconnect:
                OnClose(DisconnectReason.ClientNamespaceDisconnect);
                break;
        }
    }

    private void OnEvent(SocketIoPacket packet)
    {
        // A bare "42" carries no data: Node emits nothing for it.
        if (packet.Data is not JArray { Count: > 0 } data)
        {
            return;
        }

        Server.Metrics.EventReceived(Namespace.Name);
        var name = EventNameOf(data[0]);
        data.RemoveAt(0);
        var e = new SocketIoEvent(this, name, data, packet.Id);
        _ = DispatchAsync(e);
    }

    internal static string EventNameOf(JToken name) => name.Type switch
    {
        JTokenType.String => (string)name!,
        JTokenType.Integer => ((long)name).ToString(System.Globalization.CultureInfo.InvariantCulture),
        JTokenType.Float => JsNumberFormatter.Format((double)name),
        _ => name.ToString(Newtonsoft.Json.Formatting.None),
    };

    private async Task DispatchAsync(SocketIoEvent e)
    {
        try
        {
            foreach (var listener in _anyListeners?.Snapshot ?? [])
            {
                await listener(e).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogHandlerError(ex, "onAny");
        }

        var middlewares = _middlewares?.Snapshot ?? [];
        if (middlewares.Length > 0)
        {
            try
            {
                if (!await RunMiddlewaresAsync(middlewares, e).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                // Node: next(err) → socket emits "error" with err.
                await RaiseErrorAsync(ex).ConfigureAwait(false);
                return;
            }
        }

        if (!Connected)
        {
            return;
        }

        var (entries, count) = _handlers.Snapshot;
        for (var i = 0; i < count; i++)
        {
            var entry = entries[i];
            if (!string.Equals(entry.EventName, e.Name, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                await entry.Handler!(e).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogHandlerError(ex, "event '" + e.Name + "'");
            }
        }
    }

    /// <summary>Runs the <see cref="Use"/> chain; false when a middleware did not call next.</summary>
    private static async ValueTask<bool> RunMiddlewaresAsync(Func<SocketIoEvent, Func<ValueTask>, ValueTask>[] middlewares, SocketIoEvent e)
    {
        var reached = 0;
        ValueTask Next(int index)
        {
            if (index == middlewares.Length)
            {
                reached = 1;
                return ValueTask.CompletedTask;
            }

            return middlewares[index](e, () => Next(index + 1));
        }

        await Next(0).ConfigureAwait(false);
        return reached == 1;
    }

    private void OnAck(SocketIoPacket packet)
    {
        // An ACK for an unknown id is ignored; each ack fires at most once (socket.ts onack).
        if (packet.Id is { } id && _acks is { } acks && acks.TryRemove(id, out var ack))
        {
            var args = packet.Data as JArray ?? new JArray();
            try
            {
                ack.OnAck(args);
            }
            catch (Exception ex)
            {
                LogHandlerError(ex, "ack callback");
            }
        }
    }

    internal async Task RaiseErrorAsync(Exception error)
    {
        foreach (var handler in _errorHandlers?.Snapshot ?? [])
        {
            try
            {
                await handler(error).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogHandlerError(ex, "error handler");
            }
        }
    }
}
