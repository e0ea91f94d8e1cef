namespace SocketIo.AdminUi;

/// <summary>
/// Who may open the admin namespace (Node: the <c>auth</c> option). There is no default, as in Node: a dashboard that
/// can disconnect every client is opened to anyone only on request (<see cref="None"/>).
/// </summary>
public sealed class AdminUiAuth
{
    private AdminUiAuth(string? username, string? passwordHash)
    {
        Username = username;
        PasswordHash = passwordHash;
    }

    /// <summary>No authentication (Node: <c>auth: false</c>).</summary>
    public static AdminUiAuth None { get; } = new(null, null);

    /// <summary>The user name of basic authentication; <see langword="null"/> for <see cref="None"/>.</summary>
    public string? Username { get; }

    /// <summary>The bcrypt hash of the password (<c>$2a$</c>, <c>$2b$</c>…); <see langword="null"/> for <see cref="None"/>.</summary>
    public string? PasswordHash { get; }

    /// <summary>
    /// Basic authentication (Node: <c>auth: { type: "basic", username, password }</c>): the dashboard's login sends
    /// the user name and password in the handshake's <c>auth</c>, checked against <paramref name="passwordHash"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="passwordHash"/> is not a bcrypt hash (Node throws the same).</exception>
    public static AdminUiAuth Basic(string username, string passwordHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        try
        {
            _ = BCrypt.Net.BCrypt.InterrogateHash(passwordHash);
        }
        catch (Exception ex) when (ex is BCrypt.Net.HashInformationException or BCrypt.Net.SaltParseException or ArgumentException)
        {
            throw new ArgumentException("the password must be a valid bcrypt hash", nameof(passwordHash), ex);
        }

        return new AdminUiAuth(username, passwordHash);
    }
}
