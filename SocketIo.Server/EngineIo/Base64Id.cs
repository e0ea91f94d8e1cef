using System.Security.Cryptography;

namespace SocketIo.Server.EngineIo;

/// <summary>
/// Generates the reference's 20-character URL-safe ids (Node: base64id — 15 random bytes, base64 with
/// <c>+</c>→<c>-</c> and <c>/</c>→<c>_</c>). Used for Engine.IO sids and Socket.IO socket ids.
/// </summary>
internal static class Base64Id
{
    /// <summary>Returns a new random id of exactly 20 characters from <c>[A-Za-z0-9_-]</c>.</summary>
    public static string Generate()
    {
        Span<byte> bytes = stackalloc byte[15];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(20, bytes.ToArray(), static (chars, raw) =>
        {
            Convert.TryToBase64Chars(raw, chars, out _);
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = chars[i] switch { '+' => '-', '/' => '_', var c => c };
            }
        });
    }
}
