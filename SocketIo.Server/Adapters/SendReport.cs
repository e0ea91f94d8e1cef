namespace SocketIo.Server.Adapters;

/// <summary>What became of one packet handed to many sockets: how many took it, and who did not.</summary>
public readonly struct SendReport
{
    /// <summary>Creates a report.</summary>
    public SendReport(int delivered, IReadOnlyList<string>? full = null, IReadOnlyList<string>? gone = null)
    {
        Delivered = delivered;
        Full = full ?? Array.Empty<string>();
        Gone = gone ?? Array.Empty<string>();
    }

    /// <summary>Sockets whose session queued the packet.</summary>
    public int Delivered { get; }

    /// <summary>Sockets over their outbound limit: a volatile packet was dropped, or the session was closed for it.</summary>
    public IReadOnlyList<string> Full { get; }

    /// <summary>Sockets that are not (or no longer) connected.</summary>
    public IReadOnlyList<string> Gone { get; }

    /// <summary>Sockets the packet was meant for: delivered, full and gone.</summary>
    public int Targeted => Delivered + Full.Count + Gone.Count;
}
