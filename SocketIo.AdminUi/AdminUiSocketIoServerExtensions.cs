using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SocketIo.AdminUi;

// Beside SocketIoServer itself: `io.Instrument(…)` needs no extra using.
namespace SocketIo.Server;

/// <summary>Instruments a server for the Socket.IO Admin UI (Node: <c>instrument(io, options)</c> of <c>@socket.io/admin-ui</c>).</summary>
public static class AdminUiSocketIoServerExtensions
{
    /// <summary>
    /// Opens the admin namespace on <paramref name="io"/> and starts reporting to it, as <c>@socket.io/admin-ui</c>
    /// 0.5.1's <c>instrument(io, options)</c> does. Dispose the result to stop the periodic <c>server_stats</c>;
    /// the namespace and its listeners stay, as in Node, which has no way back either.
    /// </summary>
    /// <exception cref="ArgumentException">The options are not usable (no <see cref="AdminUiOptions.Auth"/>, say); every problem is named.</exception>
    public static IAsyncDisposable Instrument(this SocketIoServer io, Action<AdminUiOptions> configure, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new AdminUiOptions();
        configure(options);
        return io.Instrument(options, loggerFactory);
    }

    /// <inheritdoc cref="Instrument(SocketIoServer, Action{AdminUiOptions}, ILoggerFactory?)"/>
    public static IAsyncDisposable Instrument(this SocketIoServer io, AdminUiOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("SocketIo.AdminUi");
        var instrumentation = new AdminUiInstrumentation(io, options, logger);
        instrumentation.Start();
        return instrumentation;
    }
}
