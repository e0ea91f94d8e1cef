using Microsoft.Extensions.Time.Testing;
using SocketIo.Server;
using SocketIo.Server.EngineIo;

namespace SocketIo.Tests.Support;

/// <summary>
/// A <see cref="SocketIoServer"/> without HTTP: sessions are registered over <see cref="FakeEngineTransport"/>s, so
/// a test can see the exact <see cref="EnginePacket"/> instances handed to each session and decide when a
/// transport is writable (volatile emits, compression flags, encode-once broadcasts).
/// </summary>
internal sealed class SioFakeServer : IAsyncDisposable
{
    public SioFakeServer(Action<SocketIoOptions>? configure = null)
    {
        var options = new SocketIoOptions { TimeProvider = Time };
        configure?.Invoke(options);
        Io = new SocketIoServer(options);
    }

    public FakeTimeProvider Time { get; } = new();

    public SocketIoServer Io { get; }

    /// <summary>Opens a session over a writable fake WebSocket-like transport and joins <paramref name="nsp"/>.</summary>
    public (FakeEngineTransport Transport, SocketIoSocket Socket) Connect(string nsp = "/")
    {
        var transport = new FakeEngineTransport(EngineIoOptions.WebSocket);
        var conn = Io.Engine.Accept(Base64Id.Generate(), transport, EngineIoRequests.Polling());
        transport.ReceiveText(nsp == "/" ? "40" : "40" + nsp + ",");
        // Without middleware the namespace connection completes synchronously on the receive path.
        var socket = Io.Of(nsp).Sockets.Values.Single(s => s.Connection.Conn == conn);
        return (transport, socket);
    }

    /// <summary>The packets handed to <paramref name="transport"/> after the open packet and the CONNECT reply.</summary>
    public static List<EnginePacket> Sent(FakeEngineTransport transport) => transport.Batches.SelectMany(b => b).Skip(2).ToList();

    public ValueTask DisposeAsync() => Io.CloseAsync();
}
