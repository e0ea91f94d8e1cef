using System.Net.WebSockets;
using System.Text;
using NUnit.Framework;
using SocketIo.DirectWebSockets;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// <see cref="IEngineIoSharedFrameWebSocket.SendSharedAsync"/> on the lean WebSocket: a message from
/// <see cref="SocketWebSocket.SharedMinLength"/> bytes up is queued by reference (only its header is copied) and written
/// with the copied frames around it in one gather write, in order, also when the kernel takes it in parts.
/// </summary>
public sealed partial class SocketWebSocketTests
{
    private Task SendShared(byte[] message, WebSocketMessageType type = WebSocketMessageType.Binary) =>
        ((IEngineIoSharedFrameWebSocket)_ws).SendSharedAsync(message, type, WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression, CancellationToken.None).AsTask();

    [Test]
    public async Task SharedAndCopiedFrames_ArriveInTheOrderSent_WithTheirBytes()
    {
        var big = Pattern(16 * 1024, seed: 1);
        var mid = Encoding.UTF8.GetBytes(new string('x', SocketWebSocket.SharedMinLength));
        var sends = new List<Task>
        {
            _ws.SendAsync(Encoding.UTF8.GetBytes("first").AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None).AsTask(),
            SendShared(big),
            SendShared(Encoding.UTF8.GetBytes("small, copied")),
            SendShared(mid, WebSocketMessageType.Text),
            _ws.SendAsync(Encoding.UTF8.GetBytes("last").AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None).AsTask(),
        };
        Assert.That(sends.All(s => s.IsCompletedSuccessfully), Is.True, "each is queued at once, under the high-water mark");

        var frames = new List<ServerFrame>();
        for (var i = 0; i < 5; i++)
        {
            frames.Add(await ReadServerFrameAsync());
        }

        Assert.That(frames.Select(f => f.Header[0]), Is.EqualTo((byte[])[0x81, 0x82, 0x82, 0x81, 0x81]), "FIN and the opcode of each");
        Assert.That(Encoding.UTF8.GetString(frames[0].Payload), Is.EqualTo("first"));
        Assert.That(frames[1].Payload, Is.EqualTo(big));
        Assert.That(Encoding.UTF8.GetString(frames[2].Payload), Is.EqualTo("small, copied"));
        Assert.That(frames[3].Payload, Is.EqualTo(mid));
        Assert.That(Encoding.UTF8.GetString(frames[4].Payload), Is.EqualTo("last"));
    }

    [Test]
    public async Task ASharedMessage_IsNotCopied_WhatIsWrittenIsTheCallersMemory()
    {
        // The kernel's buffers are full first (nobody reads), so the shared frame is still queued when its memory changes:
        // what arrives is the changed memory, which a copy would not be.
        Disconnect();
        await ConnectAsync(receiveBufferSize: 4096);
        _serverSocket.SendBufferSize = 4096;
        var filler = Pattern(16 * 1024);
        for (var i = 0; i < 3; i++)
        {
            _ = _ws.SendAsync(filler.AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).AsTask();
        }

        await Signals.UntilAsync(() => _ws.WaitsOnThePeer, "the writer to wait on the peer");
        var shared = Pattern(4096, seed: 3);
        _ = SendShared(shared);
        Array.Fill(shared, (byte)0xAB);

        for (var i = 0; i < 3; i++)
        {
            Assert.That((await ReadServerFrameAsync()).Payload, Is.EqualTo(filler));
        }

        Assert.That((await ReadServerFrameAsync()).Payload, Is.All.EqualTo(0xAB));
    }

    [Test]
    public async Task SharedFrames_ToAPeerThatReadsSlowly_AllArriveIntact_AndCountTowardsTheHighWaterMark()
    {
        Disconnect();
        await ConnectAsync(receiveBufferSize: 4096);
        _serverSocket.SendBufferSize = 4096;
        const int Count = 24;
        var messages = Enumerable.Range(0, Count).Select(i => Pattern(16 * 1024, seed: i)).ToArray();
        // The first three fill the kernel's buffers, so the writer waits on the peer with what it has taken; what is
        // queued after that (336 KB) stays in the queue, where the mark counts it (had the writer taken everything in
        // one go, nothing would be queued and every send would complete).
        var sends = messages.Take(3).Select(m => SendShared(m)).ToList();
        await Signals.UntilAsync(() => _ws.WaitsOnThePeer, "the writer to wait on the peer");
        sends.AddRange(messages.Skip(3).Select(m => SendShared(m)));

        Assert.That(sends[^1].IsCompleted, Is.False, "336 KB queued by reference is past the 64 KB mark too");
        for (var i = 0; i < Count; i++)
        {
            Assert.That((await ReadServerFrameAsync()).Payload, Is.EqualTo(messages[i]), $"message {i}");
        }

        await Task.WhenAll(sends).Within("the sends, once the reader has caught up");
    }

    [Test]
    public async Task MoreSharedFramesThanOneWriteTakes_GoOutInOrder()
    {
        const int Count = 3 * NonBlockingSend.MaxPieces; // more than one call's worth
        var messages = Enumerable.Range(0, Count).Select(i => Pattern(SocketWebSocket.SharedMinLength + i, seed: i)).ToArray();
        foreach (var message in messages)
        {
            await SendShared(message);
        }

        for (var i = 0; i < Count; i++)
        {
            Assert.That((await ReadServerFrameAsync()).Payload, Is.EqualTo(messages[i]), $"message {i}");
        }
    }

    [Test]
    public async Task ASharedSend_AfterTheCloseFrame_IsRefused_AndAbortFailsNothingElse()
    {
        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        Assert.ThrowsAsync<WebSocketException>(async () => await SendShared(Pattern(4096)));
        _ws.Abort();
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.Aborted));
    }
}
