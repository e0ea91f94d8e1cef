using System.Diagnostics;
using System.Net;
using System.Text;

namespace SocketIo.Bench;

/// <summary>What <see cref="Scenarios.ConnectManyAsync{T}"/> needs from a client.</summary>
internal interface IClient
{
    long ConnectStart { get; }

    long ConnectEnd { get; }

    Task Connected { get; }

    bool IsClosed { get; }

    /// <summary>Starts connecting (any thread).</summary>
    void Start(IPAddress? source);

    /// <summary>Closes silently (any thread).</summary>
    void Close();
}

/// <summary>
/// A raw Socket.IO-over-WebSocket client: HTTP/1.1 upgrade by hand, masked client frames with a fixed key,
/// Engine.IO open → <c>40</c> → <c>40{"sid":…}</c>, and answers to server pings. Runs on the <see cref="Loop"/> thread.
/// </summary>
internal class WsClient : TcpConn, IClient
{
    /// <summary>Frame mask key; bytes 37 FA 21 3D in memory order (the RFC 6455 example key).</summary>
    private const uint MaskKey = 0x3D21FA37;

    private static readonly byte[] PongPacket = "3"u8.ToArray();
    private static readonly byte[] ConnectPacket = "40"u8.ToArray();

    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IPEndPoint _server;
    private int _phase; // 0 = HTTP response, 1 = Engine.IO open, 2 = namespace CONNECT, 3 = connected
    private Dictionary<long, TaskCompletionSource<string>>? _calls;
    private long _callId = 1_000_000_000;
    private string? _openPacket;

    public WsClient(Ctx ctx, IPEndPoint? server = null)
        : base(ctx.Loop)
    {
        Ctx = ctx;
        _server = server ?? ctx.Server;
    }

    protected Ctx Ctx { get; }

    public long ConnectStart { get; private set; }

    public long ConnectEnd { get; private set; }

    /// <summary>Completes when the namespace CONNECT is acknowledged; faults when the connection fails first.</summary>
    public Task Connected => _connected.Task;

    public void Start(IPAddress? source) => Loop.Post(() =>
    {
        ConnectStart = Stopwatch.GetTimestamp();
        ConnectTcp(_server, source);
    });

    public void Close()
    {
        if (Loop.OnLoop)
        {
            CloseTcp();
        }
        else
        {
            Loop.Post(CloseTcp);
        }
    }

    /// <summary>Emits <c>42&lt;id&gt;</c> + <paramref name="argsJson"/> (any thread) and returns the ack's JSON array.</summary>
    public Task<string> CallAsync(string argsJson)
    {
        var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Loop.OnLoop)
        {
            DoCall(argsJson, tcs);
        }
        else
        {
            Loop.Post(() => DoCall(argsJson, tcs));
        }

        return tcs.Task;
    }

    /// <summary>Like <see cref="CallAsync(string)"/>, with the arguments built on the loop thread right before sending (timestamps).</summary>
    public Task<string> CallAsync(Func<string> argsJson)
    {
        var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Loop.Post(() => DoCall(argsJson(), tcs));
        return tcs.Task;
    }

    public void SendText(ReadOnlySpan<byte> payload) => SendFrames(Ws.OpText, payload, 0, default);

    /// <summary>Sends a text frame followed by a binary frame in one write.</summary>
    public void SendTextAndBinary(ReadOnlySpan<byte> text, ReadOnlySpan<byte> binary) => SendFrames(Ws.OpText, text, Ws.OpBinary, binary);

    /// <summary>A Socket.IO packet (the Engine.IO <c>4</c> stripped), e.g. <c>312[…]</c> or <c>2["msg",…]</c>.</summary>
    protected virtual void OnPacket(ReadOnlySpan<byte> packet)
    {
        if (!TryCompleteCall(packet))
        {
            Ctx.Error("unexpected packet: " + Encoding.UTF8.GetString(packet[..Math.Min(packet.Length, 120)]));
        }
    }

    protected virtual void OnBinary(ReadOnlySpan<byte> data) => Ctx.Error($"unexpected binary frame ({data.Length} bytes)");

    protected bool TryCompleteCall(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 2 || packet[0] != (byte)'3' || _calls is null)
        {
            return false;
        }

        var n = Sio.ParseInt(packet[1..], out var id);
        if (n == 0 || !_calls.Remove(id, out var tcs))
        {
            return false;
        }

        tcs.TrySetResult(Encoding.UTF8.GetString(packet[(1 + n)..]));
        return true;
    }

    protected override void OnConnected() => SendTcp(Ctx.UpgradeRequest(_server));

    protected override void OnClosed(string reason)
    {
        if (_phase == 3)
        {
            Ctx.Error(reason);
        }

        _connected.TrySetException(new IOException(reason));
        if (_calls is not null)
        {
            foreach (var tcs in _calls.Values)
            {
                tcs.TrySetException(new IOException(reason));
            }

            _calls.Clear();
        }
    }

    protected override int OnData(Span<byte> data)
    {
        var pos = 0;
        if (_phase == 0)
        {
            var end = data.IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                return 0;
            }

            if (!data[..end].StartsWith("HTTP/1.1 101"u8))
            {
                var line = data[..end];
                var eol = line.IndexOf("\r\n"u8);
                Fail("upgrade refused: " + Encoding.ASCII.GetString(eol < 0 ? line : line[..eol]));
                return 0;
            }

            pos = end + 4;
            _phase = 1;
        }

        while (pos < data.Length)
        {
            var total = Ws.TryParse(data[pos..], out var op, out var fin, out var off, out var plen, out var mask, out _);
            if (total < 0)
            {
                Fail("malformed frame");
                return 0;
            }

            if (total == 0)
            {
                break;
            }

            var payload = data.Slice(pos + off, plen);
            if (mask is { } key)
            {
                Ws.ApplyMask(payload, key);
            }

            pos += total;
            if (!fin || op == Ws.OpContinuation)
            {
                Fail("fragmented frames are not supported by the load generator");
                return 0;
            }

            OnFrame(op, payload);
            if (IsClosed)
            {
                return 0;
            }
        }

        return pos;
    }

    private void DoCall(string argsJson, TaskCompletionSource<string> tcs)
    {
        if (IsClosed)
        {
            tcs.TrySetException(new IOException("connection closed"));
            return;
        }

        _calls ??= [];
        var id = _callId++;
        _calls[id] = tcs;
        SendText(Encoding.UTF8.GetBytes($"42{id}{argsJson}"));
    }

    private void OnFrame(byte op, Span<byte> payload)
    {
        switch (op)
        {
            case Ws.OpText:
                OnText(payload);
                return;
            case Ws.OpBinary:
                if (_phase != 3)
                {
                    Fail("binary frame before CONNECT");
                    return;
                }

                OnBinary(payload);
                return;
            case Ws.OpPing:
                SendFrames(Ws.OpPong, payload, 0, default);
                return;
            case Ws.OpPong:
                return;
            case Ws.OpClose:
                Fail("close frame from the server");
                return;
            default:
                Fail($"unknown opcode {op}");
                return;
        }
    }

    private void OnText(ReadOnlySpan<byte> p)
    {
        if (p.Length == 0)
        {
            Fail("empty text frame");
            return;
        }

        switch (_phase)
        {
            case 3:
                switch (p[0])
                {
                    case (byte)'4':
                        OnPacket(p[1..]);
                        return;
                    case (byte)'2':
                        SendText(PongPacket);
                        return;
                    case (byte)'6':
                        return;
                    case (byte)'1':
                        Fail("Engine.IO close packet from the server");
                        return;
                    default:
                        Ctx.Error("unexpected Engine.IO packet: " + Encoding.UTF8.GetString(p[..Math.Min(p.Length, 120)]));
                        return;
                }

            case 1:
                if (p[0] != (byte)'0')
                {
                    Fail("expected the Engine.IO open packet, got " + Encoding.UTF8.GetString(p[..Math.Min(p.Length, 120)]));
                    return;
                }

                _phase = 2;
                _openPacket = Encoding.UTF8.GetString(p[..Math.Min(p.Length, 40)]);
                SendText(ConnectPacket);
                return;
            default:
                if (p.StartsWith("40"u8))
                {
                    _phase = 3;
                    _openPacket = null;
                    ConnectEnd = Stopwatch.GetTimestamp();
                    _connected.TrySetResult();
                    return;
                }

                if (p[0] == (byte)'2')
                {
                    SendText(PongPacket);
                    return;
                }

                Fail($"CONNECT refused: {Encoding.UTF8.GetString(p[..Math.Min(p.Length, 120)])} (after the open packet {_openPacket}…)");
                return;
        }
    }

    private void SendFrames(byte op1, ReadOnlySpan<byte> payload1, byte op2, ReadOnlySpan<byte> payload2)
    {
        var send = Loop.Scratch(payload1.Length + payload2.Length + (2 * Ws.MaxHeader));
        var n = Ws.WriteHeader(send, op1, payload1.Length, MaskKey);
        payload1.CopyTo(send.AsSpan(n));
        Ws.ApplyMask(send.AsSpan(n, payload1.Length), MaskKey);
        n += payload1.Length;
        if (op2 != 0)
        {
            n += Ws.WriteHeader(send.AsSpan(n), op2, payload2.Length, MaskKey);
            payload2.CopyTo(send.AsSpan(n));
            Ws.ApplyMask(send.AsSpan(n, payload2.Length), MaskKey);
            n += payload2.Length;
        }

        SendTcp(send.AsSpan(0, n));
    }
}
