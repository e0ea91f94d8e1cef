using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SocketIo.Server;

namespace SocketIo.AdminUi;

/// <summary>
/// The admin namespace's middleware under basic auth (admin-ui's <c>initAuthenticationMiddleware</c>): a known
/// session id, or the user name and a password matching the bcrypt hash, which earns a new session id; anything
/// else is refused with <c>invalid credentials</c>.
/// </summary>
internal sealed partial class AdminUiAuthenticator(AdminUiAuth auth, AdminUiStore store, ILogger logger)
{
    /// <summary>The <see cref="SocketIoSocket.Items"/> key of the session id granted by this handshake, sent as <c>session</c> on connection.</summary>
    public static readonly object SessionItem = new();

    public async ValueTask AuthenticateAsync(SocketIoSocket socket, Func<ValueTask> next)
    {
        var credentials = socket.Handshake.Auth;
        if (StringOf(credentials, "sessionId") is { } sessionId && await IsKnownAsync(sessionId, socket).ConfigureAwait(false))
        {
            await next().ConfigureAwait(false);
            return;
        }

        if (StringOf(credentials, "username") == auth.Username && StringOf(credentials, "password") is { } password)
        {
            // bcrypt is slow by design (tens of milliseconds): off the connection's receive path.
            var hash = auth.PasswordHash!;
            if (await Task.Run(() => BCrypt.Net.BCrypt.Verify(password, hash)).ConfigureAwait(false))
            {
                var granted = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
                if (await TrySaveAsync(granted, socket).ConfigureAwait(false))
                {
                    socket.Items[SessionItem] = granted;
                }

                await next().ConfigureAwait(false);
                return;
            }
        }

        LogInvalidCredentials(logger, socket.Handshake.Address);
        throw new ConnectionRejectedException("invalid credentials");
    }

    // A store that fails (Redis unreachable) costs the dashboard its session, never its login: a session id it cannot
    // check is unknown, so the password decides; a session it cannot keep is not handed out, so the next login asks again.
    private async ValueTask<bool> IsKnownAsync(string sessionId, SocketIoSocket socket)
    {
        try
        {
            return await store.DoesSessionExistAsync(sessionId, socket.Disconnected).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !socket.Disconnected.IsCancellationRequested)
        {
            LogStoreFailed(logger, "look up a session", ex);
            return false;
        }
    }

    private async ValueTask<bool> TrySaveAsync(string sessionId, SocketIoSocket socket)
    {
        try
        {
            await store.SaveSessionAsync(sessionId, socket.Disconnected).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !socket.Disconnected.IsCancellationRequested)
        {
            LogStoreFailed(logger, "save a session", ex);
            return false;
        }
    }

    // Only strings count: a number or an object where a password belongs is no password.
    private static string? StringOf(JObject credentials, string name) =>
        credentials[name] is JValue { Type: JTokenType.String } value ? (string?)value : null;
}
