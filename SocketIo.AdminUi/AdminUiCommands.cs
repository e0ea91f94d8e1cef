using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SocketIo.Server;

namespace SocketIo.AdminUi;

/// <summary>
/// The dashboard's actions (admin-ui's <c>registerFeatureHandlers</c>, the Socket.IO v4 branch): <c>emit</c>,
/// <c>join</c>, <c>leave</c> and <c>_disconnect</c> on a namespace, optionally narrowed to a room (a socket id is a
/// room), cluster-wide through the adapter. Arguments are checked, not trusted: a wrong type or a namespace this
/// server does not hold does nothing but a log line (Node's <c>io.of(nsp)</c> would create the namespace).
/// </summary>
internal sealed partial class AdminUiCommands(SocketIoServer io, bool readOnly, ILogger logger)
{
    public void Register(SocketIoSocket socket)
    {
        socket.On("emit", e => RunAsync(e, EmitAsync));
        socket.On("join", e => RunAsync(e, static (op, args) => Room(args) is { } room ? () => op.SocketsJoinAsync(room) : null));
        socket.On("leave", e => RunAsync(e, static (op, args) => Room(args) is { } room ? () => op.SocketsLeaveAsync(room) : null));
        socket.On("_disconnect", e => RunAsync(e, static (op, args) =>
            args.Count > 1 && args[1] is JValue { Type: JTokenType.Boolean } close ? () => op.DisconnectSocketsAsync((bool)close) : null));
    }

    /// <summary>
    /// Resolves <c>(nsp, …, filter)</c> to an operator and runs <paramref name="command"/>, which answers
    /// the action, or <see langword="null"/> when its own arguments are malformed.
    /// </summary>
    private async ValueTask RunAsync(SocketIoEvent e, Func<BroadcastOperator, JArray, Func<ValueTask>?> command)
    {
        if (readOnly)
        {
            LogRefused(logger, e.Name);
            return;
        }

        var args = e.Args;
        if (args.Count == 0 || args[0] is not JValue { Type: JTokenType.String } nspName)
        {
            LogMalformed(logger, e.Name);
            return;
        }

        if (!io.Namespaces.TryGetValue((string)nspName!, out var nsp))
        {
            LogUnknownNamespace(logger, e.Name, (string)nspName!);
            return;
        }

        // emit carries its filter second, the others third (admin-ui's ClientEvents).
        var filterIndex = e.Name == "emit" ? 1 : 2;
        var filter = args.Count > filterIndex ? args[filterIndex] : null;
        BroadcastOperator op;
        switch (filter)
        {
            case null or JValue { Type: JTokenType.Null or JTokenType.Undefined }:
                op = nsp.In();
                break;
            case JValue { Type: JTokenType.String } room when ((string)room!).Length > 0:
                op = nsp.In((string)room!);
                break;
            case JValue { Type: JTokenType.String }:
                // Node tests `if (filter)`: an empty string means the whole namespace.
                op = nsp.In();
                break;
            default:
                LogMalformed(logger, e.Name);
                return;
        }

        try
        {
            if (command(op, args) is not { } run)
            {
                LogMalformed(logger, e.Name);
                return;
            }

            await run().ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            // A reserved event name for emit, say: the dashboard's mistake, not the server's.
            LogCommandFailed(logger, e.Name, ex);
        }
    }

    private static Func<ValueTask>? EmitAsync(BroadcastOperator op, JArray args)
    {
        if (args.Count < 3 || args[2] is not JValue { Type: JTokenType.String } eventName)
        {
            return null;
        }

        var data = args.Skip(3).Cast<object?>().ToArray();
        return () => op.EmitAsync((string)eventName!, data);
    }

    private static string? Room(JArray args) =>
        args.Count > 1 && args[1] is JValue { Type: JTokenType.String } room ? (string?)room : null;
}
