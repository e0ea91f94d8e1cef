using JWT.Algorithms;
using JWT.Builder;

namespace SocketIo.Samples.Chat;

/// <summary>Issues and checks the chat's sign-in tokens (HS256 JWTs, one hour).</summary>
public sealed class ChatTokens(string secret, TimeProvider time)
{
    public string Issue(string name) => new JwtBuilder()
        .WithAlgorithm(new HMACSHA256Algorithm())
        .WithSecret(secret)
        .AddClaim("name", name)
        .AddClaim("exp", time.GetUtcNow().AddHours(1).ToUnixTimeSeconds())
        .Encode();

    /// <summary>The signed-in name, or null when the token is missing, malformed, forged or expired.</summary>
    public string? Validate(string? token)
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
            return claims.TryGetValue("name", out var name) ? name?.ToString() : null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Malformed, forged and expired tokens all end here: the client gets "invalid token".
            return null;
        }
    }
}
