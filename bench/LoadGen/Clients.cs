using System.Diagnostics;
using System.Text;

namespace SocketIo.Bench;

/// <summary>Shared state of an echo run (WebSocket text/binary or polling).</summary>
internal sealed class EchoRun
{
    public volatile bool Running;
    public volatile bool Measuring;

    public EchoRun(byte[] requestSuffix, byte[] ackSuffix, byte[]? binary)
    {
        RequestSuffix = requestSuffix;
        AckSuffix = ackSuffix;
        Binary = binary;
    }

    /// <summary>What follows <c>42&lt;id&gt;</c> (or <c>451-&lt;id&gt;</c>): <c>["echo",…]</c>.</summary>
    public byte[] RequestSuffix { get; }

    /// <summary>What must follow <c>3&lt;id&gt;</c> (or <c>61-&lt;id&gt;</c>) in the ack.</summary>
    public byte[] AckSuffix { get; }

    /// <summary>The binary attachment (binary echo), or null.</summary>
    public byte[]? Binary { get; }
}

/// <summary>Closed-loop echo-with-ack client over WebSocket: keeps <c>inflight</c> requests outstanding.</summary>
internal sealed class EchoClient : WsClient
{
    private readonly EchoRun _run;
    private readonly int _inflight;
    private readonly Dictionary<long, long> _pending = [];
    private readonly byte[] _scratch;
    private long _nextId;
    private long _binaryAckId = -1;

    public EchoClient(Ctx ctx, EchoRun run, int inflight, long quota)
        : base(ctx)
    {
        _run = run;
        _inflight = inflight;
        Quota = quota;
        _scratch = new byte[32 + run.RequestSuffix.Length];
    }

    public long Quota { get; }

    public long Sent { get; private set; }

    public long Acked { get; private set; }

    public long Pending => Sent - Acked;

    public Samples Latency { get; } = new();

    /// <summary>Sends the first <c>inflight</c> requests (loop thread).</summary>
    public void Kick()
    {
        for (var i = 0; i < _inflight; i++)
        {
            SendNext();
        }
    }

    protected override void OnPacket(ReadOnlySpan<byte> packet)
    {
        if (_run.Binary is null)
        {
            if (packet.Length > 1 && packet[0] == (byte)'3')
            {
                var n = Sio.ParseInt(packet[1..], out var id);
                if (n > 0 && id < 1_000_000_000)
                {
                    if (!packet[(1 + n)..].SequenceEqual(_run.AckSuffix))
                    {
                        Ctx.Error("wrong ack payload: " + Encoding.UTF8.GetString(packet));
                    }

                    Complete(id);
                    return;
                }
            }
        }
        else if (packet.StartsWith("61-"u8))
        {
            var n = Sio.ParseInt(packet[3..], out var id);
            if (n > 0 && id < 1_000_000_000)
            {
                if (!packet[(3 + n)..].SequenceEqual(_run.AckSuffix))
                {
                    Ctx.Error("wrong binary ack header: " + Encoding.UTF8.GetString(packet));
                }

                if (_binaryAckId >= 0)
                {
                    Ctx.Error("binary ack header while an attachment was expected");
                }

                _binaryAckId = id;
                return;
            }
        }

        base.OnPacket(packet);
    }

    protected override void OnBinary(ReadOnlySpan<byte> data)
    {
        if (_binaryAckId < 0)
        {
            base.OnBinary(data);
            return;
        }

        if (!data.SequenceEqual(_run.Binary))
        {
            Ctx.Error($"wrong binary attachment ({data.Length} bytes)");
        }

        var id = _binaryAckId;
        _binaryAckId = -1;
        Complete(id);
    }

    private void Complete(long id)
    {
        if (!_pending.Remove(id, out var start))
        {
            Ctx.Error($"ack for unknown id {id}");
            return;
        }

        Acked++;

        if (_run.Measuring)
        {
            Latency.Add(Stopwatch.GetTimestamp() - start);
        }

        SendNext();
    }

    private void SendNext()
    {
        if (!_run.Running || IsClosed)
        {
            return;
        }

        if (Quota >= 0 && Sent >= Quota)
        {
            return;
        }

        var id = _nextId++;
        Sent++;
        _pending[id] = Stopwatch.GetTimestamp();

        var s = _scratch.AsSpan();
        int n;
        if (_run.Binary is null)
        {
            "42"u8.CopyTo(s);
            n = 2;
        }
        else
        {
            "451-"u8.CopyTo(s);
            n = 4;
        }

        n += Sio.WriteInt(s[n..], id);
        _run.RequestSuffix.CopyTo(s[n..]);
        n += _run.RequestSuffix.Length;
        if (_run.Binary is null)
        {
            SendText(s[..n]);
        }
        else
        {
            SendTextAndBinary(s[..n], _run.Binary);
        }
    }
}

/// <summary>Shared state of a fan-out run.</summary>
internal sealed class FanoutRun
{
    private long _delivered;
    private long _measureFrom = long.MaxValue;
    private long _target = long.MaxValue;
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FanoutRun(byte[]? expected, long timeBase)
    {
        Expected = expected;
        TimeBase = timeBase;
    }

    /// <summary>The exact packet every receiver must get (<c>2["msg",…]</c>), or null for timestamped payloads.</summary>
    public byte[]? Expected { get; }

    /// <summary>Subtracted from Stopwatch timestamps sent as payloads (keeps them small).</summary>
    public long TimeBase { get; }

    /// <summary>Timestamped payloads sent at or after this (relative) time have their latency recorded.</summary>
    public long MeasureFrom
    {
        get => Volatile.Read(ref _measureFrom);
        set => Volatile.Write(ref _measureFrom, value);
    }

    public long Delivered => Interlocked.Read(ref _delivered);

    public long LastDelivery { get; private set; }

    /// <summary>Arms a wait for the total delivery count to reach <paramref name="target"/>.</summary>
    public Task Arm(long target)
    {
        _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _target, target);
        if (Delivered >= target)
        {
            _reached.TrySetResult();
        }

        return _reached.Task;
    }

    public void OnDelivery()
    {
        var d = Interlocked.Increment(ref _delivered);
        if (d == Volatile.Read(ref _target))
        {
            LastDelivery = Stopwatch.GetTimestamp();
            _reached.TrySetResult();
        }
    }
}

/// <summary>A room member: counts <c>msg</c> events (and their latency when the payload is a timestamp).</summary>
internal sealed class FanoutReceiver : WsClient
{
    private readonly FanoutRun _run;

    public FanoutReceiver(Ctx ctx, FanoutRun run)
        : base(ctx)
    {
        _run = run;
    }

    public long Received { get; private set; }

    public Samples Latency { get; } = new();

    /// <summary>
    /// The expected packet with one more string argument: the offset that connection state recovery appends to every
    /// kept event (<c>2["msg",p,"&lt;offset&gt;"]</c>).
    /// </summary>
    private static bool IsWithOffset(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> expected) =>
        packet.Length > expected.Length + 3
        && packet.StartsWith(expected[..^1])
        && packet[(expected.Length - 1)..].StartsWith(",\""u8)
        && packet.EndsWith("\"]"u8);

    protected override void OnPacket(ReadOnlySpan<byte> packet)
    {
        if (packet.StartsWith("2[\"msg\","u8))
        {
            if (_run.Expected is { } expected)
            {
                if (!packet.SequenceEqual(expected) && !IsWithOffset(packet, expected))
                {
                    Ctx.Error("wrong msg: " + Encoding.UTF8.GetString(packet));
                }
            }
            else if (Sio.ParseInt(packet[8..], out var sent) > 0)
            {
                if (sent >= _run.MeasureFrom)
                {
                    Latency.Add(Stopwatch.GetTimestamp() - _run.TimeBase - sent);
                }
            }
            else
            {
                Ctx.Error("wrong msg: " + Encoding.UTF8.GetString(packet));
            }

            Received++;
            _run.OnDelivery();
            return;
        }

        base.OnPacket(packet);
    }
}

/// <summary>
/// A room member that stops reading once it has joined: the model of a client on a stalled network. A small receive
/// buffer (set before connecting) closes its TCP window after a few kilobytes, so the server has to hold the rest.
/// </summary>
internal sealed class StalledReceiver : WsClient
{
    public StalledReceiver(Ctx ctx)
        : base(ctx)
    {
        ReceiveBufferSize = 4096;
    }

    protected override void OnPacket(ReadOnlySpan<byte> packet)
    {
        // Messages that arrive between its join and the moment it stops reading are not counted.
        if (!packet.StartsWith("2[\"msg\","u8))
        {
            base.OnPacket(packet);
        }
    }
}
