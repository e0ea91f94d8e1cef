namespace SocketIo.Redis;

/// <summary>
/// Every Redis channel name of the adapters, built in one place, byte-exact with Node's @socket.io/redis-adapter
/// (redis-wire §3.2 classic, §7.2 sharded). <c>P</c> is the key/prefix, <c>N</c> the namespace as given (leading <c>/</c>).
/// </summary>
public sealed class RedisChannels
{
    /// <summary>Channels for one namespace under one prefix.</summary>
    public RedisChannels(string prefix, string nsp)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentException.ThrowIfNullOrEmpty(nsp);
        Prefix = prefix;
        Namespace = nsp;
        BroadcastBase = $"{prefix}#{nsp}#";
        Request = $"{prefix}-request#{nsp}#";
        Response = $"{prefix}-response#{nsp}#";
    }

    /// <summary>The key (classic) or channel prefix (sharded).</summary>
    public string Prefix { get; }

    /// <summary>The namespace.</summary>
    public string Namespace { get; }

    /// <summary><c>P#N#</c>: classic broadcasts with 0 or ≥ 2 rooms; the sharded main channel.</summary>
    public string BroadcastBase { get; }

    /// <summary><c>P#N#*</c>: the classic broadcast pattern (base and every room channel).</summary>
    public string BroadcastPattern => BroadcastBase + "*";

    /// <summary><c>P-request#N#</c>: classic requests; its subscriber count is the server count.</summary>
    public string Request { get; }

    /// <summary><c>P-response#N#</c>: the shared classic response channel.</summary>
    public string Response { get; }

    /// <summary><c>P#N#room#</c>: a classic single-room broadcast, or a sharded room channel.</summary>
    public string Room(string room) => $"{BroadcastBase}{room}#";

    /// <summary><c>P-response#N#uid#</c>: the classic response channel of one requester.</summary>
    public string SpecificResponse(string uid) => $"{Response}{uid}#";

    /// <summary><c>P#N#uid#</c>: a sharded node's own response channel.</summary>
    public string OwnChannel(string uid) => Room(uid);

    /// <summary>
    /// The room of a channel under <see cref="BroadcastBase"/>: the text between <c>P#N#</c> and the final
    /// character (empty for the base channel), or null when the channel is not under it (redis-adapter onmessage).
    /// </summary>
    public string? RoomOf(string channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (!channel.StartsWith(BroadcastBase, StringComparison.Ordinal))
        {
            return null;
        }

        return channel.Length <= BroadcastBase.Length ? string.Empty : channel[BroadcastBase.Length..^1];
    }
}
