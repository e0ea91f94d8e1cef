namespace SocketIo.Server.Adapters;

/// <summary>Who a broadcast or a bulk operation targets (Node: <c>BroadcastOptions</c>): rooms (none = all), excluded rooms, flags.</summary>
public sealed class BroadcastOptions
{
    private static readonly IReadOnlySet<string> Empty = new HashSet<string>();

    /// <summary>Creates options.</summary>
    public BroadcastOptions(IReadOnlySet<string>? rooms = null, IReadOnlySet<string>? except = null, BroadcastFlags? flags = null)
    {
        Rooms = rooms ?? Empty;
        Except = except ?? Empty;
        Flags = flags ?? BroadcastFlags.None;
    }

    /// <summary>Target rooms; empty targets every socket of the namespace.</summary>
    public IReadOnlySet<string> Rooms { get; }

    /// <summary>Sockets in these rooms are left out.</summary>
    public IReadOnlySet<string> Except { get; }

    /// <summary>Modifiers.</summary>
    public BroadcastFlags Flags { get; }
}
