using System.Diagnostics.Metrics;

namespace SocketIo.Server.Diagnostics;

/// <summary>
/// The <c>SocketIoNet</c> meter every layer's instruments live on. Here, outside the layers, so that the engine and the
/// adapters share it without one reaching into the other.
/// </summary>
internal static class SocketIoMeter
{
    /// <summary>The meter name shared by every SocketIoNet instrument.</summary>
    public const string Name = "SocketIoNet";

    /// <summary>The process-wide meter used when no <see cref="IMeterFactory"/> is given: one meter, so one instrument per name.</summary>
    private static readonly Meter SharedMeter = new(Name);

    /// <summary>The meter of the host's factory, or the shared one.</summary>
    public static Meter For(IMeterFactory? meterFactory) => meterFactory?.Create(Name) ?? SharedMeter;
}
