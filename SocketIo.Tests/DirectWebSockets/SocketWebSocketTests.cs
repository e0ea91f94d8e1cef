using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Numerics;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using SocketIo.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// <see cref="SocketWebSocket"/>, the server end of RFC 6455 straight on a socket, against a client that writes raw
/// (masked) frames and reads the server's raw frames byte for byte. Every test runs twice: with the socket on the
/// engine's event loop (<see cref="DirectSocketIo"/>, where the platform has one) and on the runtime's asynchronous
/// socket methods.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
public sealed partial class SocketWebSocketTests(bool eventLoop)
{
    private static readonly byte[] MaskKey = [0x37, 0xFA, 0x21, 0x3D];

    private Socket _client = null!;
    private Socket _serverSocket = null!;
    private SocketWebSocket _ws = null!;
    private int _socketsClosed;

    [SetUp]
    public Task ConnectAsync() => ConnectAsync(receiveBufferSize: null);

    /// <summary>
    /// Connects a client socket to a server-side <see cref="SocketWebSocket"/>. A <paramref name="receiveBufferSize"/>
    /// is set on both ends before the connection is made, so that the window the client offers is small from the start
    /// (set later, the kernel keeps what it has already offered).
    /// </summary>
    private async Task ConnectAsync(int? receiveBufferSize, TimeProvider? time = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            listener.Server.ReceiveBufferSize = size;
            _client.ReceiveBufferSize = size;
        }

        listener.Start();
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        var accept = listener.AcceptSocketAsync(timeout.Token).AsTask();
        await _client.ConnectAsync(listener.LocalEndpoint, timeout.Token);
        _serverSocket = await accept;
        _serverSocket.NoDelay = true; // as the direct listener's sockets (Kestrel's default)
        _socketsClosed = 0;
        var io = DirectSocketIo.Create(_serverSocket, eventLoop);
        Assert.That(io.OnEventLoop, Is.EqualTo(eventLoop && EpollLoop.IsSupported), "the socket is served as the fixture says");
        _ws = new SocketWebSocket(_serverSocket, time ?? TimeProvider.System, _ => Interlocked.Increment(ref _socketsClosed), io: io);
    }

    [TearDown]
    public void Disconnect()
    {
        _ws.Dispose();
        _serverSocket.Dispose();
        _client.Dispose();
    }

    // ---- client side: raw frames -------------------------------------------------------------------------------

    /// <summary>A client frame: masked unless told otherwise, with the shortest length form.</summary>
    private static byte[] ClientFrame(int opcode, ReadOnlySpan<byte> payload, bool fin = true, int rsv = 0, bool masked = true)
    {
        var length = payload.Length;
        var extended = length < 126 ? 0 : length <= ushort.MaxValue ? 2 : 8;
        var frame = new byte[2 + extended + (masked ? 4 : 0) + length];
        frame[0] = (byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode);
        frame[1] = (byte)((masked ? 0x80 : 0) | (extended == 0 ? length : extended == 2 ? 126 : 127));
        if (extended == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)length);
        }
        else if (extended == 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)length);
        }

        var at = 2 + extended;
        if (masked)
        {
            MaskKey.CopyTo(frame, at);
            at += 4;
        }

        for (var i = 0; i < length; i++)
        {
            frame[at + i] = (byte)(payload[i] ^ (masked ? MaskKey[i % 4] : 0));
        }

        return frame;
    }

    private static byte[] Text(string text, bool fin = true) => ClientFrame(1, Encoding.UTF8.GetBytes(text), fin);

    private static byte[] Continuation(string text, bool fin) => ClientFrame(0, Encoding.UTF8.GetBytes(text), fin);

    private static byte[] CloseFrame(int code, string reason = "")
    {
        var payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return ClientFrame(8, payload);
    }

    private static byte[] Pattern(int length, int seed = 0)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)((i * 7) + (i >> 8) + seed);
        }

        return data;
    }

    private async Task SendRawAsync(params byte[][] frames)
    {
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        foreach (var frame in frames)
        {
            for (var sent = 0; sent < frame.Length;)
            {
                sent += await _client.SendAsync(frame.AsMemory(sent), SocketFlags.None, timeout.Token);
            }
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        for (var read = 0; read < count;)
        {
            var n = await _client.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"The server closed the connection after {read} of {count} bytes.");
            }

            read += n;
        }

        return buffer;
    }

    /// <summary>One frame as the server wrote it; server frames must not be masked.</summary>
    private async Task<ServerFrame> ReadServerFrameAsync()
    {
        var head = await ReadExactlyAsync(2);
        Assert.That(head[1] & 0x80, Is.Zero, "a server frame is not masked");
        var length7 = head[1] & 0x7F;
        byte[] extended = length7 switch
        {
            126 => await ReadExactlyAsync(2),
            127 => await ReadExactlyAsync(8),
            _ => [],
        };
        var length = length7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(extended),
            127 => checked((int)BinaryPrimitives.ReadUInt64BigEndian(extended)),
            _ => length7,
        };
        return new ServerFrame([.. head, .. extended], await ReadExactlyAsync(length));
    }

    /// <summary>Whether the server closes the TCP connection (EOF or reset) within the timeout.</summary>
    private async Task<bool> ServerClosesTcpAsync()
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(Signals.DefaultTimeout);
        try
        {
            while (await _client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed record ServerFrame(byte[] Header, byte[] Payload)
    {
        public bool Fin => (Header[0] & 0x80) != 0;

        public int Opcode => Header[0] & 0x0F;

        public int CloseCode => BinaryPrimitives.ReadUInt16BigEndian(Payload);

        public override string ToString() => $"{Convert.ToHexString(Header)} +{Payload.Length} bytes";
    }

    // ---- server side -------------------------------------------------------------------------------------------

    private Task<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer) =>
        _ws.ReceiveAsync(buffer, CancellationToken.None).AsTask().Within("a receive");

    /// <summary>Receives one whole message with a buffer of <paramref name="bufferSize"/>; returns it and the receive count.</summary>
    private async Task<(WebSocketMessageType Type, byte[] Data, int Receives)> ReceiveMessageAsync(int bufferSize = 1024)
    {
        var buffer = new byte[bufferSize];
        using var data = new MemoryStream();
        var type = (WebSocketMessageType?)null;
        for (var receives = 1; ; receives++)
        {
            var result = await ReceiveAsync(buffer);
            Assert.That(result.MessageType, Is.EqualTo(type ?? result.MessageType), "every part of a message has its type");
            type = result.MessageType;
            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, data.ToArray(), receives);
            }
        }
    }

    /// <summary>Receives until the server fails, requiring the failure and a close frame with <paramref name="code"/>.</summary>
    private async Task AssertFailsWithCloseAsync(int code)
    {
        var buffer = new byte[1024];
        WebSocketException? failure = null;
        for (var i = 0; i < 10 && failure is null; i++)
        {
            try
            {
                var result = await ReceiveAsync(buffer);
                Assert.That(result.MessageType, Is.Not.EqualTo(WebSocketMessageType.Close), "the frames are refused, not reported");
            }
            catch (WebSocketException ex)
            {
                failure = ex;
            }
        }

        Assert.That(failure, Is.Not.Null, "a receive throws WebSocketException");
        var close = await ReadServerFrameAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(close.Header[0], Is.EqualTo(0x88), "a close frame");
            Assert.That(close.Payload, Has.Length.GreaterThanOrEqualTo(2));
            Assert.That(close.CloseCode, Is.EqualTo(code));
            Assert.That(_ws.State, Is.EqualTo(WebSocketState.Aborted));
        }
    }

    // ---- receiving ---------------------------------------------------------------------------------------------

    [Test]
    public async Task AMaskedTextFrame_IsReceivedWithItsBytes()
    {
        await SendRawAsync(Text("hello"));
        var buffer = new byte[100];

        var result = await ReceiveAsync(buffer);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Count, Is.EqualTo(5));
            Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Text));
            Assert.That(result.EndOfMessage, Is.True);
            Assert.That(Encoding.UTF8.GetString(buffer, 0, result.Count), Is.EqualTo("hello"));
            Assert.That(_ws.State, Is.EqualTo(WebSocketState.Open));
        }
    }

    [Test]
    public async Task TheArraySegmentOverload_ReceivesTheSameFrame()
    {
        await SendRawAsync(ClientFrame(2, [1, 2, 3]));
        var buffer = new byte[10];

        var result = await _ws.ReceiveAsync(new ArraySegment<byte>(buffer, 4, 6), CancellationToken.None).Within("a receive");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Count, Is.EqualTo(3));
            Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Binary));
            Assert.That(result.EndOfMessage, Is.True);
            Assert.That(buffer, Is.EqualTo(new byte[] { 0, 0, 0, 0, 1, 2, 3, 0, 0, 0 }));
        }
    }

    // 5000 needs the 16-bit length form, 70 000 the 64-bit one; both are larger than the server's 4 KB receive buffer.
    [TestCase(5000, 100_000)]
    [TestCase(5000, 1000)]
    [TestCase(70_000, 100_000)]
    [TestCase(70_000, 3000)]
    [TestCase(65_535, 7)]
    public async Task ALargeFrame_ArrivesOverSeveralReceives_Intact(int length, int bufferSize)
    {
        var payload = Pattern(length);
        var frame = ClientFrame(2, payload);
        Assert.That(frame[1] & 0x7F, Is.EqualTo(length <= ushort.MaxValue ? 126 : 127), "the length form under test");
        var send = SendRawAsync(frame);

        var (type, data, receives) = await ReceiveMessageAsync(bufferSize);
        await send.Within("the client's send");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(type, Is.EqualTo(WebSocketMessageType.Binary));
            Assert.That(data, Is.EqualTo(payload));
            Assert.That(receives, Is.GreaterThan(1));
        }
    }

    [Test]
    public async Task ALargeTextFrame_ArrivesIntact()
    {
        var text = string.Concat(Enumerable.Repeat("aé€😀 ", 10_000)); // 11 bytes each: characters straddle every boundary
        await SendRawAsync(ClientFrame(1, Encoding.UTF8.GetBytes(text)));

        var (type, data, _) = await ReceiveMessageAsync(4093);

        Assert.That(type, Is.EqualTo(WebSocketMessageType.Text));
        Assert.That(Encoding.UTF8.GetString(data), Is.EqualTo(text));
    }

    /// <summary>
    /// Many frames of every small size in one write: headers and control payloads straddle the server's 4 KB receive
    /// buffer at every offset, so the buffer is compacted and refilled in the middle of them.
    /// </summary>
    [Test]
    public async Task ManyFramesInOneWrite_AreReceivedInOrder_WithThePingsAnswered()
    {
        var frames = new List<byte[]>();
        var expected = new List<byte[]>();
        var pings = new List<byte[]>();
        for (var i = 0; i < 600; i++)
        {
            var payload = Pattern(i % 300, seed: i);
            frames.Add(ClientFrame(2, payload));
            expected.Add(payload);
            if (i % 7 == 0)
            {
                var ping = Pattern(i % 126, seed: 3 * i);
                frames.Add(ClientFrame(9, ping));
                pings.Add(ping);
            }
        }

        var all = frames.SelectMany(f => f).ToArray();
        var send = SendRawAsync(all);
        var pongs = Task.Run(async () =>
        {
            var received = new List<ServerFrame>();
            for (var i = 0; i < pings.Count; i++)
            {
                received.Add(await ReadServerFrameAsync());
            }

            return received;
        });

        for (var i = 0; i < expected.Count; i++)
        {
            var (type, data, _) = await ReceiveMessageAsync(512);
            Assert.That(type, Is.EqualTo(WebSocketMessageType.Binary));
            Assert.That(data, Is.EqualTo(expected[i]), $"message {i}");
        }

        await send.Within("the client's send");
        var answers = await pongs.Within("the pongs");
        Assert.That(answers.Select(p => p.Header[0]), Is.All.EqualTo(0x8A));
        Assert.That(answers.Select(p => p.Payload), Is.EqualTo(pings));
    }

    [Test]
    public async Task AFragmentedMessage_WithAPingInside_IsReassembled_AndThePingAnsweredWithItsPayload()
    {
        await SendRawAsync(
            Text("Hel", fin: false),
            ClientFrame(9, "p!"u8),
            Continuation("lo, ", fin: false),
            ClientFrame(10, "unsolicited pong"u8),
            Continuation("world", fin: true));

        var (type, data, _) = await ReceiveMessageAsync();
        var pong = await ReadServerFrameAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(type, Is.EqualTo(WebSocketMessageType.Text));
            Assert.That(Encoding.UTF8.GetString(data), Is.EqualTo("Hello, world"));
            Assert.That(pong.Header, Is.EqualTo(new byte[] { 0x8A, 2 }));
            Assert.That(pong.Payload, Is.EqualTo("p!"u8.ToArray()));
        }
    }

    [Test]
    public async Task AnEmptyFinalContinuation_EndsTheMessage()
    {
        await SendRawAsync(Text("ab", fin: false), Continuation(string.Empty, fin: true), Text("next"));

        var buffer = new byte[16];
        var first = await ReceiveAsync(buffer);
        var end = await ReceiveAsync(buffer);
        var (_, next, _) = await ReceiveMessageAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That((first.Count, first.MessageType, first.EndOfMessage), Is.EqualTo((2, WebSocketMessageType.Text, false)));
            Assert.That((end.Count, end.MessageType, end.EndOfMessage), Is.EqualTo((0, WebSocketMessageType.Text, true)));
            Assert.That(Encoding.UTF8.GetString(next), Is.EqualTo("next"));
        }
    }

    [Test]
    public async Task FramesArrivingOneByteAtATime_AreReceived()
    {
        byte[][] frames = [ClientFrame(9, "pi"u8), Text("aé€", fin: false), Continuation("😀", fin: true), ClientFrame(2, Pattern(300)), CloseFrame(1000, "done")];
        var bytes = frames.SelectMany(f => f).ToArray();
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                await SendRawAsync(bytes[i..(i + 1)]);
            }
        });

        var (textType, text, _) = await ReceiveMessageAsync(3);
        var (binaryType, binary, _) = await ReceiveMessageAsync(3);
        var close = await ReceiveAsync(new byte[3]);
        await sender.Within("the byte-wise send");
        var pong = await ReadServerFrameAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(textType, Is.EqualTo(WebSocketMessageType.Text));
            Assert.That(Encoding.UTF8.GetString(text), Is.EqualTo("aé€😀"));
            Assert.That(binaryType, Is.EqualTo(WebSocketMessageType.Binary));
            Assert.That(binary, Is.EqualTo(Pattern(300)));
            Assert.That(close.MessageType, Is.EqualTo(WebSocketMessageType.Close));
            Assert.That(_ws.CloseStatusDescription, Is.EqualTo("done"));
            Assert.That(pong.Payload, Is.EqualTo("pi"u8.ToArray()));
        }
    }

    [Test]
    public async Task ACloseInsideAFragmentedMessage_IsReported()
    {
        await SendRawAsync(Text("part", fin: false), CloseFrame(1001, "away"));

        var buffer = new byte[16];
        var part = await ReceiveAsync(buffer);
        var close = await ReceiveAsync(buffer);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((part.Count, part.EndOfMessage), Is.EqualTo((4, false)));
            Assert.That(close.MessageType, Is.EqualTo(WebSocketMessageType.Close));
            Assert.That(_ws.CloseStatus, Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
            Assert.That(_ws.State, Is.EqualTo(WebSocketState.CloseReceived));
        }
    }

    [Test]
    public async Task APingWhileIdle_IsAnswered_AndTheReceiveGoesOnWaiting()
    {
        var receive = ReceiveAsync(new byte[16]);
        await SendRawAsync(ClientFrame(9, []));

        var pong = await ReadServerFrameAsync();
        Assert.That(pong.Header, Is.EqualTo(new byte[] { 0x8A, 0 }));
        Assert.That(receive.IsCompleted, Is.False, "a ping is no message");

        await SendRawAsync(Text("x"));
        var result = await receive;
        Assert.That((result.Count, result.MessageType, result.EndOfMessage), Is.EqualTo((1, WebSocketMessageType.Text, true)));
    }

    [Test]
    public async Task AZeroByteReceive_ReadsTheHeaderOnly_AndAnEmptyFinalFrameEndsTheMessage()
    {
        var idle = ReceiveAsync(Memory<byte>.Empty); // pending before anything arrives
        await SendRawAsync(ClientFrame(2, [1, 2, 3]));

        var peek = await idle;
        var again = await ReceiveAsync(Memory<byte>.Empty);
        var buffer = new byte[10];
        var data = await ReceiveAsync(buffer);
        await SendRawAsync(ClientFrame(2, []));
        var empty = await ReceiveAsync(Memory<byte>.Empty);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((peek.Count, peek.MessageType, peek.EndOfMessage), Is.EqualTo((0, WebSocketMessageType.Binary, false)));
            Assert.That((again.Count, again.MessageType, again.EndOfMessage), Is.EqualTo((0, WebSocketMessageType.Binary, false)), "nothing consumed by the first");
            Assert.That((data.Count, data.MessageType, data.EndOfMessage), Is.EqualTo((3, WebSocketMessageType.Binary, true)));
            Assert.That(buffer[..3], Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That((empty.Count, empty.MessageType, empty.EndOfMessage), Is.EqualTo((0, WebSocketMessageType.Binary, true)));
        }
    }

    [Test]
    public async Task AZeroByteReceive_SkipsAPing_AndStopsAtTheNextDataFrame()
    {
        await SendRawAsync(ClientFrame(9, "a"u8), Text("é", fin: false), Continuation("!", fin: true));

        var peek = await ReceiveAsync(Memory<byte>.Empty);
        var (type, data, _) = await ReceiveMessageAsync();
        var pong = await ReadServerFrameAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That((peek.Count, peek.MessageType, peek.EndOfMessage), Is.EqualTo((0, WebSocketMessageType.Text, false)));
            Assert.That(type, Is.EqualTo(WebSocketMessageType.Text));
            Assert.That(Encoding.UTF8.GetString(data), Is.EqualTo("é!"));
            Assert.That(pong.Payload, Is.EqualTo("a"u8.ToArray()));
        }
    }

    [Test]
    public async Task ACharacterSplitAcrossTwoFrames_OrAcrossReceives_IsAccepted()
    {
        var euro = Encoding.UTF8.GetBytes("€"); // E2 82 AC
        await SendRawAsync(ClientFrame(1, euro.AsSpan(0, 1), fin: false), ClientFrame(0, euro.AsSpan(1), fin: true));
        var (_, first, _) = await ReceiveMessageAsync();

        await SendRawAsync(Text("aé€😀"));
        var (_, second, receives) = await ReceiveMessageAsync(bufferSize: 1);

        await SendRawAsync(Text("ok"));
        var (_, third, _) = await ReceiveMessageAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.EqualTo(euro));
            Assert.That(Encoding.UTF8.GetString(second), Is.EqualTo("aé€😀"));
            Assert.That(receives, Is.EqualTo(10), "one byte per receive");
            Assert.That(Encoding.UTF8.GetString(third), Is.EqualTo("ok"), "still open");
        }
    }

    private static IEnumerable<TestCaseData> ProtocolErrors()
    {
        TestCaseData Case(string name, params byte[][] frames) => new TestCaseData((object)frames).SetName(name);

        yield return Case("An unmasked client frame", ClientFrame(1, "hi"u8, masked: false));
        yield return Case("RSV1 set", ClientFrame(1, "hi"u8, rsv: 4));
        yield return Case("RSV2 set", ClientFrame(2, "hi"u8, rsv: 2));
        yield return Case("RSV3 set", ClientFrame(2, "hi"u8, rsv: 1));
        yield return Case("RSV1 set on a ping", ClientFrame(9, "hi"u8, rsv: 4));
        yield return Case("A continuation without a start", Continuation("hi", fin: true));
        yield return Case("A non-final continuation without a start", Continuation("hi", fin: false));
        yield return Case("A text frame inside a fragmented message", Text("a", fin: false), Text("b"));
        yield return Case("A binary frame inside a fragmented message", Text("a", fin: false), ClientFrame(2, "b"u8));
        yield return Case("Reserved data opcode 3", ClientFrame(3, "x"u8));
        yield return Case("Reserved data opcode 7", ClientFrame(7, []));
        yield return Case("Reserved control opcode 0xB", ClientFrame(0xB, []));
        yield return Case("Reserved control opcode 0xF", ClientFrame(0xF, "x"u8));
        yield return Case("A ping with 126 bytes", ClientFrame(9, new byte[126]));
        yield return Case("A pong with 126 bytes", ClientFrame(10, new byte[126]));
        yield return Case("A close with 126 bytes", ClientFrame(8, [0x03, 0xE8, .. new byte[124]]));
        yield return Case("A ping that is not final", ClientFrame(9, "x"u8, fin: false));
        yield return Case("A close that is not final", ClientFrame(8, [0x03, 0xE8], fin: false));
        yield return Case("A close with a one-byte payload", ClientFrame(8, [0x03]));
        yield return Case("Close code 1005", CloseFrame(1005));
        yield return Case("Close code 1006", CloseFrame(1006));
        yield return Case("Close code 999", CloseFrame(999));
        yield return Case("Close code 5000", CloseFrame(5000));
        yield return Case("Close code 1004", CloseFrame(1004));
        yield return Case("Close code 1015", CloseFrame(1015));
        yield return Case("Close code 0", CloseFrame(0));
        yield return Case("Close code 2999", CloseFrame(2999));
        yield return Case("A 64-bit length with its top bit set", new byte[] { 0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 0x37, 0xFA, 0x21, 0x3D });
    }

    [TestCaseSource(nameof(ProtocolErrors))]
    public async Task AProtocolError_ClosesWith1002_AndThrows(byte[][] frames)
    {
        await SendRawAsync(frames);
        await AssertFailsWithCloseAsync(1002);
    }

    private static IEnumerable<TestCaseData> InvalidUtf8()
    {
        TestCaseData Case(string name, params byte[][] frames) => new TestCaseData((object)frames).SetName(name);

        yield return Case("Byte FF", ClientFrame(1, [0x61, 0xFF]));
        yield return Case("An overlong NUL", ClientFrame(1, [0xC0, 0x80]));
        yield return Case("A surrogate", ClientFrame(1, [0xED, 0xA0, 0x80]));
        yield return Case("A lone continuation byte", ClientFrame(1, [0x80]));
        yield return Case("A truncated character at the end", ClientFrame(1, [0x61, 0xE2, 0x82]));
        yield return Case("A truncated character before an empty final continuation", ClientFrame(1, [0xE2, 0x82], fin: false), ClientFrame(0, []));
        yield return Case("An invalid character split across frames", ClientFrame(1, [0xE2], fin: false), ClientFrame(0, [0x41, 0x42]));
        yield return Case("A surrogate split across frames", ClientFrame(1, [0x61, 0xED], fin: false), ClientFrame(0, [0xA0, 0x80]));
        yield return Case("Invalid bytes in a continuation", Text("ok", fin: false), ClientFrame(0, [0xF5, 0x80, 0x80, 0x80]));
        yield return Case("Invalid UTF-8 in a close reason", ClientFrame(8, [0x03, 0xE8, 0xFF]));
    }

    [TestCaseSource(nameof(InvalidUtf8))]
    public async Task InvalidUtf8_ClosesWith1007_AndThrows(byte[][] frames)
    {
        await SendRawAsync(frames);
        await AssertFailsWithCloseAsync(1007);
    }

    [Test]
    public async Task InvalidUtf8_InABinaryMessage_IsNoError()
    {
        await SendRawAsync(ClientFrame(2, [0xFF, 0xC0, 0x80]));
        var (type, data, _) = await ReceiveMessageAsync();
        Assert.That(type, Is.EqualTo(WebSocketMessageType.Binary));
        Assert.That(data, Is.EqualTo(new byte[] { 0xFF, 0xC0, 0x80 }));
    }

    // ---- closing -----------------------------------------------------------------------------------------------

    [Test]
    public async Task AClientClose_IsReportedWithItsCodeAndReason_ThenAnswered()
    {
        await SendRawAsync(CloseFrame(1000, "bye"));

        var result = await _ws.ReceiveAsync(new ArraySegment<byte>(new byte[64]), CancellationToken.None).Within("the close");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Close));
            Assert.That(result.EndOfMessage, Is.True);
            Assert.That(result.Count, Is.Zero);
            Assert.That(result.CloseStatus, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
            Assert.That(result.CloseStatusDescription, Is.EqualTo("bye"));
            Assert.That(_ws.CloseStatus, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
            Assert.That(_ws.CloseStatusDescription, Is.EqualTo("bye"));
            Assert.That(_ws.State, Is.EqualTo(WebSocketState.CloseReceived));
        }

        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).Within("the answer");
        var close = await ReadServerFrameAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(close.Header, Is.EqualTo(new byte[] { 0x88, 2 }));
            Assert.That(close.CloseCode, Is.EqualTo(1000));
            Assert.That(_ws.State, Is.EqualTo(WebSocketState.Closed));
        }
    }

    [Test]
    public async Task AClientCloseWithoutAPayload_IsReportedAsEmpty()
    {
        await SendRawAsync(ClientFrame(8, []));

        var result = await ReceiveAsync(new byte[16]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Close));
            Assert.That(_ws.CloseStatus, Is.EqualTo(WebSocketCloseStatus.Empty));
            Assert.That(_ws.CloseStatusDescription, Is.Null);
            Assert.That(_ws.State, Is.EqualTo(WebSocketState.CloseReceived));
        }
    }

    [TestCase(1001)]
    [TestCase(1003)]
    [TestCase(1007)]
    [TestCase(1014)]
    [TestCase(3000)]
    [TestCase(4999)]
    public async Task ValidCloseCodes_AreReported(int code)
    {
        await SendRawAsync(CloseFrame(code, "é"));

        var result = await ReceiveAsync(new byte[16]);

        Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Close));
        Assert.That((int?)_ws.CloseStatus, Is.EqualTo(code));
        Assert.That(_ws.CloseStatusDescription, Is.EqualTo("é"));
    }

    [Test]
    public async Task AServerClose_GoesOutFirst_AndTheClientsAnswerEndsItClosed()
    {
        await _ws.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "policy", CancellationToken.None).Within("the close");
        var close = await ReadServerFrameAsync();
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.CloseSent));
        Assert.That(close.Header, Is.EqualTo(new byte[] { 0x88, 8 }));
        Assert.That(close.CloseCode, Is.EqualTo(1008));
        Assert.That(Encoding.UTF8.GetString(close.Payload, 2, close.Payload.Length - 2), Is.EqualTo("policy"));

        // Data still arriving before the client's answer is delivered; then the answer closes the socket's state.
        await SendRawAsync(Text("late"), CloseFrame(1000));
        var (_, late, _) = await ReceiveMessageAsync();
        var answer = await ReceiveAsync(new byte[16]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Encoding.UTF8.GetString(late), Is.EqualTo("late"));
            Assert.That(answer.MessageType, Is.EqualTo(WebSocketMessageType.Close));
            Assert.That(_ws.State, Is.EqualTo(WebSocketState.Closed));
            Assert.That(_ws.CloseStatus, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
        }
    }

    [Test]
    public async Task CloseAsync_SendsTheCloseAndWaitsForTheAnswer()
    {
        var closing = _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        var close = await ReadServerFrameAsync();
        Assert.That(close.CloseCode, Is.EqualTo(1000));
        Assert.That(closing.IsCompleted, Is.False, "it waits for the client's close");

        await SendRawAsync(CloseFrame(1000));
        await closing.Within("CloseAsync");
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.Closed));
    }

    [Test]
    public async Task SendAfterCloseOutput_Throws()
    {
        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).Within("the close");

        Assert.That(
            async () => await _ws.SendAsync("x"u8.ToArray().AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None),
            Throws.InstanceOf<WebSocketException>());
    }

    [Test]
    public async Task ReceiveAfterTheCloseWasReceived_Throws()
    {
        await SendRawAsync(CloseFrame(1000));
        await ReceiveAsync(new byte[16]);

        Assert.That(
            async () => await _ws.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None),
            Throws.InstanceOf<WebSocketException>());
    }

    [Test]
    public async Task ACloseReasonOver123Bytes_IsRefused_AndTheSocketCanStillClose()
    {
        Assert.That(
            async () => await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, new string('x', 124), CancellationToken.None),
            Throws.InstanceOf<ArgumentException>());
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.Open), "nothing was sent");

        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, new string('x', 123), CancellationToken.None).Within("the close");
        var close = await ReadServerFrameAsync();
        Assert.That(close.Header, Is.EqualTo(new byte[] { 0x88, 125 }));
    }

    // ---- sending -----------------------------------------------------------------------------------------------

    [Test]
    public async Task SendAsync_WritesUnmaskedFramesWithTheShortestLengthForm(
        [Values(WebSocketMessageType.Text, WebSocketMessageType.Binary)] WebSocketMessageType type,
        [Values(0, 1, 125, 126, 65_535, 65_536, 100_000)] int length)
    {
        var payload = Pattern(length);
        var send = _ws.SendAsync(payload.AsMemory(), type, true, CancellationToken.None).AsTask();

        var frame = await ReadServerFrameAsync();
        await send.Within("the send");

        byte[] expectedHeader = length switch
        {
            < 126 => [0, (byte)length],
            <= ushort.MaxValue => [0, 126, (byte)(length >> 8), (byte)length],
            _ => [0, 127, 0, 0, 0, 0, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length],
        };
        expectedHeader[0] = (byte)(type == WebSocketMessageType.Text ? 0x81 : 0x82);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(frame.Header, Is.EqualTo(expectedHeader));
            Assert.That(frame.Payload, Is.EqualTo(payload));
        }
    }

    [Test]
    public async Task TheArraySegmentSend_WritesTheSegmentOnly()
    {
        var bytes = "xxhelloxx"u8.ToArray();
        await _ws.SendAsync(new ArraySegment<byte>(bytes, 2, 5), WebSocketMessageType.Text, true, CancellationToken.None).Within("the send");
        var frame = await ReadServerFrameAsync();
        Assert.That(frame.Header, Is.EqualTo(new byte[] { 0x81, 5 }));
        Assert.That(frame.Payload, Is.EqualTo("hello"u8.ToArray()));
    }

    [Test]
    public async Task AMessageSentInParts_IsOneOpcodeFrameThenContinuations_WithFinOnlyOnTheLast()
    {
        await _ws.SendAsync("ab"u8.ToArray().AsMemory(), WebSocketMessageType.Text, false, CancellationToken.None).AsTask().Within("part 1");
        await _ws.SendAsync("cd"u8.ToArray().AsMemory(), WebSocketMessageType.Text, false, CancellationToken.None).AsTask().Within("part 2");
        await _ws.SendAsync("ef"u8.ToArray().AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None).AsTask().Within("part 3");
        await _ws.SendAsync(new byte[] { 9 }.AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).AsTask().Within("the next message");

        var frames = new List<ServerFrame>();
        for (var i = 0; i < 4; i++)
        {
            frames.Add(await ReadServerFrameAsync());
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(frames.Select(f => f.Header[0]), Is.EqualTo(new byte[] { 0x01, 0x00, 0x80, 0x82 }));
            Assert.That(string.Join(" ", frames.Select(f => Convert.ToHexString(f.Payload))), Is.EqualTo("6162 6364 6566 09"));
        }
    }

    /// <summary>
    /// A send cancelled while its frame is still going out (it waits for the queue to drain) leaves the stream inside
    /// that frame: as with ManagedWebSocket, the WebSocket must then be aborted, or the next send would write a frame
    /// header into the unfinished payload.
    /// </summary>
    [Test]
    public async Task ASendCancelledInsideAFrame_AbortsTheWebSocket()
    {
        _serverSocket.SendBufferSize = 4096;
        _client.ReceiveBufferSize = 4096;
        using var cancel = new CancellationTokenSource();
        var send = _ws.SendAsync(Pattern(16 * 1024 * 1024).AsMemory(), WebSocketMessageType.Binary, true, cancel.Token).AsTask();
        var header = await ReadExactlyAsync(10 + 1000); // the header and the start of the payload are out
        Assert.That(header[..2], Is.EqualTo(new byte[] { 0x82, 127 }));
        Assert.That(send.IsCompleted, Is.False, "16 MB cannot fit in the socket buffers");

        await cancel.CancelAsync();

        Assert.That(async () => await send.Within("the cancelled send"), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.Aborted), "the frame on the wire is unfinished");
        Assert.That(
            async () => await _ws.SendAsync("x"u8.ToArray().AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None),
            Throws.InstanceOf<WebSocketException>(),
            "no frame may follow an unfinished one");
    }

    [Test]
    public async Task SmallSends_CompleteOnceQueued_AndArriveInOrder()
    {
        for (var i = 0; i < 50; i++)
        {
            var send = _ws.SendAsync(Encoding.UTF8.GetBytes($"m{i}").AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.That(send.IsCompletedSuccessfully, Is.True, "a small frame is queued, not awaited on the socket");
        }

        for (var i = 0; i < 50; i++)
        {
            var frame = await ReadServerFrameAsync();
            Assert.That(Encoding.UTF8.GetString(frame.Payload), Is.EqualTo($"m{i}"));
        }
    }

    [Test]
    public async Task PastTheHighWaterMark_ASendWaitsUntilTheReaderCatchesUp()
    {
        // A connection whose kernel buffers hold little: 256 KB is then well past them, the frame being written and
        // the 64 KB high-water mark.
        Disconnect();
        await ConnectAsync(receiveBufferSize: 4096);
        _serverSocket.SendBufferSize = 4096;
        const int Chunks = 16;
        var chunk = Pattern(16 * 1024);
        var sends = new List<Task>();
        for (var i = 0; i < Chunks; i++)
        {
            sends.Add(_ws.SendAsync(chunk.AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).AsTask());
        }

        Assert.That(
            sends[^1].IsCompleted,
            Is.False,
            () => $"256 KB cannot all be queued while nobody reads ({sends.Count(t => t.IsCompleted)} of {Chunks} done: {sends[^1].Exception?.InnerException})");
        for (var i = 0; i < Chunks; i++)
        {
            var frame = await ReadServerFrameAsync();
            Assert.That(frame.Payload, Is.EqualTo(chunk));
        }

        await Task.WhenAll(sends).Within("the sends, once the reader has caught up");
    }

    [Test]
    public void Dispose_WithNothingQueued_ClosesTheSocket_AndTellsTheOwnerOnce()
    {
        _ws.Dispose();
        _ws.Abort();
        _ws.Dispose();

        Assert.That(Volatile.Read(ref _socketsClosed), Is.EqualTo(1));
        Assert.That(() => _serverSocket.Available, Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public async Task Dispose_WhileTheQueueWaitsOnAPeerThatDoesNotRead_TellsTheOwnerOnlyOnceTheSocketCloses()
    {
        Disconnect();
        await ConnectAsync(receiveBufferSize: 4096);
        _serverSocket.SendBufferSize = 4096;
        var chunk = Pattern(16 * 1024);
        var sends = new List<Task>();
        for (var i = 0; i < 16; i++)
        {
            sends.Add(_ws.SendAsync(chunk.AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).AsTask());
        }

        Assert.That(sends[^1].IsCompleted, Is.False, "the queue waits on the peer");
        _ws.Dispose();
        Assert.That(Volatile.Read(ref _socketsClosed), Is.Zero, "the socket is still open and writing: the connection still counts");

        for (var i = 0; i < 16; i++)
        {
            Assert.That((await ReadServerFrameAsync()).Payload, Is.EqualTo(chunk));
        }

        Assert.That(await ServerClosesTcpAsync(), Is.True, "closed once the queue is written");
        await Signals.UntilAsync(() => Volatile.Read(ref _socketsClosed) == 1, "the owner to hear of the close");
    }

    [Test]
    public async Task Dispose_WhileAPeerDoesNotRead_ClosesTheSocketAtTheCloseTimeout_OnTheServersClock()
    {
        var time = new FakeTimeProvider();
        Disconnect();
        await ConnectAsync(receiveBufferSize: 4096, time);
        _serverSocket.SendBufferSize = 4096;
        var chunk = Pattern(16 * 1024);
        for (var i = 0; i < 16; i++)
        {
            _ = _ws.SendAsync(chunk.AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).AsTask();
        }

        await Signals.UntilAsync(() => _ws.WaitsOnThePeer, "the writer to wait on the peer");
        _ws.Dispose(); // the peer never reads: the queue cannot be written
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.That(Volatile.Read(ref _socketsClosed), Is.Zero, "before the close timeout, the queue may still go out");

        time.Advance(TimeSpan.FromSeconds(0.1));
        await Signals.UntilAsync(() => Volatile.Read(ref _socketsClosed) == 1, "the socket to close at the close timeout");
        Assert.That(await ServerClosesTcpAsync(), Is.True);
    }

    [Test]
    public async Task DisposingRightAfterACloseFrameIsQueued_StillWritesIt_ThenClosesTheConnection()
    {
        await _ws.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "bye", CancellationToken.None);
        _ws.Dispose();

        var close = await ReadServerFrameAsync();
        Assert.That(close.Header, Is.EqualTo(new byte[] { 0x88, 5 }));
        Assert.That(close.Payload, Is.EqualTo(new byte[] { 0x03, 0xF0, (byte)'b', (byte)'y', (byte)'e' }));
        Assert.That(await ServerClosesTcpAsync(), Is.True);
    }

    [Test]
    public void SendingACloseMessageType_IsRefused()
    {
        Assert.That(
            async () => await _ws.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Close, true, CancellationToken.None),
            Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public async Task APongDuringALargeSend_IsNotInterleavedWithIt()
    {
        var payload = Pattern(4 * 1024 * 1024);
        var send = _ws.SendAsync(payload.AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).AsTask();
        await SendRawAsync(ClientFrame(9, "ping"u8), Text("after"));
        var receive = ReceiveMessageAsync();

        var first = await ReadServerFrameAsync();
        var second = await ReadServerFrameAsync();
        await send.Within("the large send");
        var (_, after, _) = await receive;

        var (big, pong) = first.Opcode == 2 ? (first, second) : (second, first);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(big.Header[0], Is.EqualTo(0x82));
            Assert.That(big.Payload, Is.EqualTo(payload));
            Assert.That(pong.Header, Is.EqualTo(new byte[] { 0x8A, 4 }));
            Assert.That(pong.Payload, Is.EqualTo("ping"u8.ToArray()));
            Assert.That(Encoding.UTF8.GetString(after), Is.EqualTo("after"));
        }
    }

    // ---- ending without a handshake --------------------------------------------------------------------------

    [TestCase(false, TestName = "The client closing TCP without a close frame fails a pending receive")]
    [TestCase(true, TestName = "The client resetting TCP fails a pending receive")]
    public async Task TheClientDroppingTheConnection_FailsAPendingReceive(bool reset)
    {
        var receive = _ws.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask();
        if (reset)
        {
            _client.LingerState = new LingerOption(true, 0);
        }

        _client.Close();

        Assert.That(async () => await receive.Within("the failed receive"), Throws.InstanceOf<WebSocketException>());
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.Aborted));
    }

    [Test]
    public async Task TheClientGoingAwayBetweenMessages_IsFoundByTheIdleCheck_WithoutAnException()
    {
        Assume.That(eventLoop && EpollLoop.IsSupported, "the idle check peeks on the event loop only");
        _client.Close();

        await _ws.WaitToReceiveAsync().AsTask().Within("the idle wait");

        Assert.That(_ws.EndedWithoutClose(), Is.True);
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.Aborted));
    }

    [Test]
    public async Task AMessageAfterTheIdleCheck_IsReceivedWhole()
    {
        await SendRawAsync(ClientFrame(1, "hi"u8.ToArray()));
        await _ws.WaitToReceiveAsync().AsTask().Within("the idle wait");

        Assert.That(_ws.EndedWithoutClose(), Is.False, "input, not the end");
        var buffer = new byte[16];
        var result = await ReceiveAsync(buffer);
        Assert.That((result.MessageType, result.EndOfMessage, Encoding.UTF8.GetString(buffer, 0, result.Count)), Is.EqualTo((WebSocketMessageType.Text, true, "hi")));
    }

    [Test]
    public async Task TheClientClosingInsideAFrame_FailsTheReceive()
    {
        var frame = ClientFrame(2, Pattern(1000));
        await SendRawAsync(frame[..500]);
        var buffer = new byte[2000];
        var first = await ReceiveAsync(buffer);
        Assert.That(first.EndOfMessage, Is.False);

        _client.Shutdown(SocketShutdown.Send);

        Assert.That(async () => await _ws.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().Within("the failed receive"), Throws.InstanceOf<WebSocketException>());
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.Aborted));
    }

    [Test]
    public async Task Abort_FailsAPendingReceive_AndClosesTheConnection()
    {
        var receive = _ws.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask();

        _ws.Abort();

        Assert.That(async () => await receive.Within("the failed receive"), Throws.InstanceOf<WebSocketException>());
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.Aborted));
        Assert.That(await ServerClosesTcpAsync(), Is.True, "the client sees the connection end");
        Assert.That(
            async () => await _ws.SendAsync(new byte[1].AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None),
            Throws.InstanceOf<WebSocketException>());
    }

    [Test]
    public async Task CancellingTheToken_EndsAPendingReceive_WithOperationCanceled()
    {
        using var cancel = new CancellationTokenSource();
        var receive = _ws.ReceiveAsync(new byte[16].AsMemory(), cancel.Token).AsTask();
        await SendRawAsync(ClientFrame(9, []));
        await ReadServerFrameAsync(); // the receive is under way (it answered the ping) and still pending
        Assert.That(receive.IsCompleted, Is.False);

        await cancel.CancelAsync();

        Assert.That(async () => await receive.Within("the cancelled receive"), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(_ws.State, Is.EqualTo(WebSocketState.Aborted), "as ManagedWebSocket, a cancelled receive aborts");
    }

    [Test]
    public void AnAlreadyCancelledToken_EndsTheReceive_WithOperationCanceled()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.That(
            async () => await _ws.ReceiveAsync(new byte[16].AsMemory(), cancel.Token).AsTask().Within("the cancelled receive"),
            Throws.InstanceOf<OperationCanceledException>());
    }

    // ---- masking -----------------------------------------------------------------------------------------------

    [Test]
    public void Unmask_MatchesTheBytewiseDefinition_ForEveryLengthAndKeyOffset()
    {
        const uint key = 0x3D21FA37; // bytes 37 FA 21 3D on the wire, read little-endian as the receive path does
        var keyBytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(keyBytes, key);
        var random = new Random(17);
        using (Assert.EnterMultipleScope())
        {
            for (var length = 0; length <= 40; length++)
            {
                for (var offset = 0; offset < 4; offset++)
                {
                    var original = new byte[length];
                    random.NextBytes(original);
                    var expected = new byte[length];
                    for (var i = 0; i < length; i++)
                    {
                        expected[i] = (byte)(original[i] ^ keyBytes[(offset + i) % 4]);
                    }

                    var startKey = BitOperations.RotateRight(key, 8 * offset);
                    var nextKey = BitOperations.RotateRight(key, 8 * ((offset + length) % 4));
                    var data = original.ToArray();
                    var returned = SocketWebSocket.Unmask(data, startKey);
                    Assert.That(data, Is.EqualTo(expected), $"length {length}, offset {offset}");
                    Assert.That(returned, Is.EqualTo(nextKey), $"the key for the next byte, length {length}, offset {offset}");

                    SocketWebSocket.Unmask(data, startKey);
                    Assert.That(data, Is.EqualTo(original), $"its own inverse, length {length}, offset {offset}");

                    for (var cut = 0; cut <= length; cut++)
                    {
                        var pieces = original.ToArray();
                        var middle = SocketWebSocket.Unmask(pieces.AsSpan(0, cut), startKey);
                        SocketWebSocket.Unmask(pieces.AsSpan(cut), middle);
                        Assert.That(pieces, Is.EqualTo(expected), $"in two pieces cut at {cut}, length {length}, offset {offset}");
                    }
                }
            }
        }
    }
}
