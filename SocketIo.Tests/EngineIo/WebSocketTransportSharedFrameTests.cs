using System.Net.WebSockets;
using System.Runtime.InteropServices;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Server.EngineIo.Transports;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// A WebSocket engine that implements <see cref="IEngineIoSharedFrameWebSocket"/> is handed the encoded frames
/// themselves: one packet queued on two sessions reaches both engines as the same memory, with the flags the
/// transport would give <c>SendAsync</c>.
/// </summary>
[TestFixture]
public sealed class WebSocketTransportSharedFrameTests
{
    [Test]
    public async Task OneFrame_QueuedOnTwoTransports_IsHandedToBothEnginesAsTheSameMemory()
    {
        var packet = EnginePacket.Text(EnginePacketType.Message, new string('x', 2000), compress: false);
        var a = new RecordingSharedWebSocket();
        var b = new RecordingSharedWebSocket();
        var options = new EngineIoOptions { PerMessageDeflate = true };
        foreach (var socket in new[] { a, b })
        {
            var transport = new WebSocketTransport(socket, options);
            _ = transport.RunAsync(CancellationToken.None);
            Assert.That(transport.TrySend([packet]), Is.True);
        }

        var (first, flagsA) = await a.Shared.Task.Within("engine A's shared send");
        var (second, flagsB) = await b.Shared.Task.Within("engine B's shared send");
        Assert.That(MemoryMarshal.TryGetArray(first, out var arrayA) && MemoryMarshal.TryGetArray(second, out var arrayB) && ReferenceEquals(arrayA.Array, arrayB.Array), Is.True, "one buffer for both");
        Assert.That(first.Span[0], Is.EqualTo((byte)'4'), "the whole Engine.IO frame");
        Assert.That(flagsA, Is.EqualTo(WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression), "compress(false) is passed on");
        Assert.That(flagsB, Is.EqualTo(flagsA));
        Assert.That(a.PlainSends + b.PlainSends, Is.Zero, "the copying SendAsync is not used");
    }

    /// <summary>Records the first shared send and counts the copying ones.</summary>
    private sealed class RecordingSharedWebSocket : OpenIdleWebSocket, IEngineIoSharedFrameWebSocket
    {
        public TaskCompletionSource<(ReadOnlyMemory<byte> Message, WebSocketMessageFlags Flags)> Shared { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int PlainSends { get; private set; }

        public ValueTask SendSharedAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken)
        {
            Shared.TrySetResult((message, messageFlags));
            return ValueTask.CompletedTask;
        }

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            PlainSends++;
            return Task.CompletedTask;
        }

        public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken)
        {
            PlainSends++;
            return ValueTask.CompletedTask;
        }
    }
}
