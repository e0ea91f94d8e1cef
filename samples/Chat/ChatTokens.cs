using JWT.Algorithms;
using JWT.Builder;

namespace SocketIo.Samples.Chat;

/// <summary>Who a token signed in: a user id of its own (two people may pick one name) and the display name.</summary>
public sealed record ChatUser(string Id, string Name);

/// <summary>Issues and checks the chat's sign-in tokens (HS256 JWTs, one hour).</summary>
public sealed class ChatTokens(string secret, TimeProvider time)
{
    /// <summary>A token for a new user: every sign-in gets its own id (<c>sub</c>), so equal names stay two users.</summary>
    public string Issue(string name) => new JwtBuilder()
        .WithAlgorithm(new HMACSHA256Algorithm())
        .WithSecret(secret)
        .AddClaim("sub", Guid.NewGuid().ToString("N"))
        .AddClaim("name", name)
        .AddClaim("exp", time.GetUtcNow().AddHours(1).ToUnixTimeSeconds())
        .Encode();

    /// <summary>The signed-in user, or null when the token is missing, malformed, forged or expired.</summary>
    public ChatUser? Validate(string? token)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return null;
        }

        try
        {
            var claims = new JwtBuilder()
                .WithAlgorithm(new HMACSHA256Algorithm())
                .WithSecret(secret)
                .MustVerifySignature()
                .Decode<Dictionary<string, object>>(token);
            if (!claims.TryGetValue("name", out var value) || value?.ToString() is not { } name)
            {
                return null;
            }

            // A token issued before user ids existed names its user by the name alone.
            return new ChatUser(claims.TryGetValue("sub", out var sub) && sub?.ToString() is { } id ? id : name, name);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Malformed, forged and expired tokens all end here: the client gets "invalid token".
            return null;
        }
    }
}
