namespace SocketIo.AdminUi;

/// <summary>
/// Where the session ids handed to logged-in dashboards are kept, so that a reconnecting dashboard need not send the
/// password again (Node: the <c>store</c> option, <c>InMemoryStore</c> or <c>RedisStore</c>).
/// </summary>
public abstract class AdminUiStore
{
    /// <summary>Whether <paramref name="sessionId"/> was saved and has not expired (Node: <c>doesSessionExist</c>).</summary>
    public abstract ValueTask<bool> DoesSessionExistAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Keeps <paramref name="sessionId"/> (Node: <c>saveSession</c>).</summary>
    public abstract ValueTask SaveSessionAsync(string sessionId, CancellationToken cancellationToken = default);
}
