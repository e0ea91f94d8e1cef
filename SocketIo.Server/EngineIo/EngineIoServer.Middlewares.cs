using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SocketIo.Server.EngineIo;

public sealed partial class EngineIoServer
{
    // Copy-on-write: every request reads them without a lock.
    private Func<HttpContext, ValueTask>[] _middlewares = [];

    /// <summary>
    /// Adds a middleware that runs, in the order added, for every HTTP request the engine answers: handshakes, polling
    /// requests of existing sessions and WebSocket upgrades (Node: <c>io.engine.use(fn)</c>, e.g. a session or a
    /// security-headers middleware). It gets the request's <see cref="HttpContext"/> (its <c>Session</c>, cookies and
    /// response headers included). It may answer the request itself (the response started: the engine does nothing
    /// more); if it throws, the request is refused with 400 <c>{"code":3,"message":"Bad request"}</c> and
    /// <see cref="OnConnectionError"/> reports the context <c>{ name: "MIDDLEWARE_FAILURE" }</c>, as engine.io does.
    /// While any is registered, new WebSocket sessions are opened on the HTTP path (a lean engine has no
    /// <see cref="HttpContext"/> to give it).
    /// </summary>
    public EngineIoServer Use(Func<HttpContext, ValueTask> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        lock (_listenersSync)
        {
            _middlewares = [.. _middlewares, middleware];
        }

        return this;
    }

    private bool HasMiddlewares => Volatile.Read(ref _middlewares).Length > 0;

    /// <summary>Runs the middlewares; false when one answered the request or threw (then it is refused here).</summary>
    private async ValueTask<bool> RunMiddlewaresAsync(HttpContext context, bool isUpgrade)
    {
        foreach (var middleware in Volatile.Read(ref _middlewares))
        {
            try
            {
                await middleware(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                LogMiddlewareFailed(_logger, ex);
                await RejectAsync(context, isUpgrade, EngineIoErrorCode.BadRequest, null, new() { ["name"] = "MIDDLEWARE_FAILURE" }).ConfigureAwait(false);
                return false;
            }

            if (context.Response.HasStarted)
            {
                return false; // the middleware answered (engine.io: it never called next)
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "An engine middleware threw; the request is refused (400, Bad request)")]
    private static partial void LogMiddlewareFailed(ILogger logger, Exception exception);
}
