// Beside IServiceCollection, where SignalR's ISignalRServerBuilder is.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddSocketIo</c> so that extensions (such as a Redis adapter) can chain on it.</summary>
public interface ISocketIoBuilder
{
    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }
}
