using System.Security.Cryptography;

namespace SocketIo.Redis;

/// <summary>The ids Node's adapters use: uid2 (classic) and 8 random bytes as hex (sharded, socket.io-adapter).</summary>
internal static class RedisIds
{
    private const string Uid2Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>uid2(length): each character <c>UIDCHARS[randomByte % 64]</c> (redis-wire §3.1).</summary>
    public static string Uid2(int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(length, bytes.ToArray(), static (chars, raw) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Uid2Chars[raw[i] % 64];
            }
        });
    }

    /// <summary>16 lowercase hex characters (socket.io-adapter <c>randomId()</c>, redis-wire §7.1).</summary>
    public static string Hex16() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
