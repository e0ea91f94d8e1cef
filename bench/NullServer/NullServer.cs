using System.Buffers.Text;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace SocketIo.Bench;

/// <summary>Where Engine.IO packets for one client go: a WebSocket connection or a polling session.</summary>
internal interface ISink
{
    HashSet<string> Rooms { get; }

    long PendingBinaryAck { get; set; }

    /// <summary>Sends one Engine.IO text packet (e.g. <c>43[…]</c>).</summary>
    void SendText(ReadOnlySpan<byte> packet);

    /// <summary>Sends a text packet and a binary attachment.</summary>
    void SendTextAndBinary(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> binary);

    /// <summary>Sends a ready-made server frame (WebSocket) or its packet (polling).</summary>
    void SendPrebuilt(byte[] wsFrame, int headerLength);
}

/// <summary>Rooms, sessions and the few events of the benchmark. Everything runs on the loop thread.</summary>
internal sealed class NullServer
{
    private readonly Dictionary<string, HashSet<ISink>> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PollSession> _sessions = new(StringComparer.Ordinal);
    private int _clients;

    public static byte[] NewSid()
    {
        Span<byte> raw = stackalloc byte[15];
        RandomNumberGenerator.Fill(raw);
        var b64 = Convert.ToBase64String(raw).Replace('+', '-').Replace('/', '_');
        return Encoding.ASCII.GetBytes(b64);
    }

    public static byte[] OpenPacket(byte[] sid, bool polling) => Encoding.ASCII.GetBytes(
        $"0{{\"sid\":\"{Encoding.ASCII.GetString(sid)}\",\"upgrades\":{(polling ? "[\"websocket\"]" : "[]")},\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}}");

    public void ClientOpened() => _clients++;

    public void ClientClosed(ISink sink)
    {
        _clients--;
        foreach (var room in sink.Rooms)
        {
            if (_rooms.TryGetValue(room, out var members))
            {
                members.Remove(sink);
                if (members.Count == 0)
                {
                    _rooms.Remove(room);
                }
            }
        }

        if (sink is PollSession p)
        {
            _sessions.Remove(p.Sid);
        }
    }

    public PollSession NewPollSession()
    {
        var s = new PollSession(this, NewSid());
        _sessions[s.Sid] = s;
        ClientOpened();
        return s;
    }

    public PollSession? FindSession(string sid) => _sessions.GetValueOrDefault(sid);

    /// <summary>Handles one Engine.IO text packet from a client.</summary>
    public void OnEnginePacket(ISink sink, ReadOnlySpan<byte> p)
    {
        if (p.Length < 2 || p[0] != (byte)'4')
        {
            return; // pong, close, upgrade, noop: nothing to do here
        }

        var sio = p[1..];
        switch (sio[0])
        {
            case (byte)'0':
                Span<byte> connect = stackalloc byte[32];
                "40{\"sid\":\""u8.CopyTo(connect);
                NewSid().CopyTo(connect[10..]);
                "\"}"u8.CopyTo(connect[30..]);
                sink.SendText(connect);
                return;
            case (byte)'2':
                OnEvent(sink, sio[1..]);
                return;
            case (byte)'5':
                // 51-<id>["echo",{"_placeholder":true,"num":0}]: the attachment follows.
                var dash = sio.IndexOf((byte)'-');
                if (dash > 0 && Sio.ParseInt(sio[(dash + 1)..], out var bid) > 0)
                {
                    sink.PendingBinaryAck = bid;
                }

                return;
            default:
                return;
        }
    }

    public static void OnBinary(ISink sink, ReadOnlySpan<byte> data)
    {
        var id = sink.PendingBinaryAck;
        if (id < 0)
        {
            return;
        }

        sink.PendingBinaryAck = -1;
        Span<byte> head = stackalloc byte[64];
        "461-"u8.CopyTo(head);
        var n = 4 + Sio.WriteInt(head[4..], id);
        "[{\"_placeholder\":true,\"num\":0}]"u8.CopyTo(head[n..]);
        n += 31;
        sink.SendTextAndBinary(head[..n], data);
    }

    private void OnEvent(ISink sink, ReadOnlySpan<byte> e)
    {
        var idLen = Sio.ParseInt(e, out _);
        var hasAck = idLen > 0;
        var args = e[idLen..];
        if (args.StartsWith("[\"echo\","u8))
        {
            var len = hasAck ? 2 + idLen + 1 + args.Length - 8 : 2 + e.Length;
            var buf = len <= 512 ? stackalloc byte[len] : new byte[len];
            if (!hasAck)
            {
                "42"u8.CopyTo(buf);
                e.CopyTo(buf[2..]);
            }
            else
            {
                // 42<id>["echo",X] → 43<id>[X]
                "43"u8.CopyTo(buf);
                e[..idLen].CopyTo(buf[2..]);
                buf[2 + idLen] = (byte)'[';
                args[8..].CopyTo(buf[(3 + idLen)..]);
            }

            sink.SendText(buf);
        }
        else if (args.StartsWith("[\"join\",\""u8))
        {
            var room = ReadString(args[9..], out _);
            if (!_rooms.TryGetValue(room, out var members))
            {
                _rooms[room] = members = [];
            }

            members.Add(sink);
            sink.Rooms.Add(room);
            Ack(sink, e[..idLen], members.Count.ToString(CultureInfo.InvariantCulture));
        }
        else if (args.StartsWith("[\"bcast-all\",\""u8))
        {
            var room = ReadString(args[14..], out var used);
            // payload: after `"room",` up to the closing `]`
            var payload = args[(14 + used + 1)..^1];
            var packetLength = payload.Length + 10;
            Span<byte> header = stackalloc byte[Ws.MaxHeader];
            var h = Ws.WriteHeader(header, Ws.OpText, packetLength, null);
            var frame = new byte[h + packetLength];
            header[..h].CopyTo(frame);
            "42[\"msg\","u8.CopyTo(frame.AsSpan(h));
            payload.CopyTo(frame.AsSpan(h + 9));
            frame[^1] = (byte)']';
            if (_rooms.TryGetValue(room, out var set))
            {
                foreach (var m in set)
                {
                    m.SendPrebuilt(frame, h);
                }
            }

            Ack(sink, e[..idLen], string.Empty);
        }
        else if (args.StartsWith("[\"stats\""u8))
        {
            long rss = 0;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
                    break;
                }
            }

            Ack(sink, e[..idLen], $"{{\"rss\":{rss},\"clients\":{_clients},\"runtime\":\"null\"}}");
        }
        else
        {
            Ack(sink, e[..idLen], string.Empty);
        }
    }

    private static void Ack(ISink sink, ReadOnlySpan<byte> id, string json)
    {
        if (id.IsEmpty)
        {
            return;
        }

        sink.SendText(Encoding.UTF8.GetBytes($"43{Encoding.ASCII.GetString(id)}[{json}]"));
    }

    /// <summary>Reads a simple JSON string body (no escapes) starting after its opening quote.</summary>
    private static string ReadString(ReadOnlySpan<byte> s, out int used)
    {
        var end = s.IndexOf((byte)'"');
        used = end + 1;
        return Encoding.UTF8.GetString(s[..end]);
    }
}

/// <summary>An Engine.IO polling session: queued packets, at most one parked GET.</summary>
internal sealed class PollSession : ISink
{
    private readonly NullServer _server;
    private byte[] _queue = new byte[1024];
    private int _queued;
    private Connection? _pendingGet;
    private bool _closed;

    public PollSession(NullServer server, byte[] sid)
    {
        _server = server;
        SidBytes = sid;
        Sid = Encoding.ASCII.GetString(sid);
    }

    public string Sid { get; }

    public byte[] SidBytes { get; }

    public HashSet<string> Rooms { get; } = new(StringComparer.Ordinal);

    public long PendingBinaryAck { get; set; } = -1;

    public void SendText(ReadOnlySpan<byte> packet)
    {
        if (_queued > 0)
        {
            Append([0x1e]);
        }

        Append(packet);
        Flush();
    }

    public void SendTextAndBinary(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> binary)
    {
        var b64 = new byte[1 + Base64.GetMaxEncodedToUtf8Length(binary.Length)];
        b64[0] = (byte)'b';
        Base64.EncodeToUtf8(binary, b64.AsSpan(1), out _, out var written);
        if (_queued > 0)
        {
            Append([0x1e]);
        }

        Append(packet);
        Append([0x1e]);
        Append(b64.AsSpan(0, 1 + written));
        Flush();
    }

    public void SendPrebuilt(byte[] wsFrame, int headerLength) => SendText(wsFrame.AsSpan(headerLength));

    /// <summary>A GET arrived: answer now when packets are queued, otherwise park it.</summary>
    public void Get(Connection conn)
    {
        if (_pendingGet is not null)
        {
            conn.SendHttp(400, "application/json", "{\"code\":3,\"message\":\"Bad request\"}"u8);
            return;
        }

        _pendingGet = conn;
        conn.ParkedFor = this;
        Flush();
    }

    /// <summary>A POST body: packets joined by \x1e.</summary>
    public void Post(ReadOnlySpan<byte> body)
    {
        while (true)
        {
            var sep = body.IndexOf((byte)0x1e);
            var packet = sep < 0 ? body : body[..sep];
            if (packet.Length > 0 && packet[0] == (byte)'1')
            {
                Close();
                return;
            }

            _server.OnEnginePacket(this, packet);
            if (sep < 0)
            {
                return;
            }

            body = body[(sep + 1)..];
        }
    }

    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (_pendingGet is { } get)
        {
            _pendingGet = null;
            get.ParkedFor = null;
            get.SendHttp(200, "text/plain; charset=UTF-8", "6"u8);
        }

        _server.ClientClosed(this);
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_queue.Length < _queued + data.Length)
        {
            Array.Resize(ref _queue, (int)BitOperations.RoundUpToPowerOf2((uint)(_queued + data.Length)));
        }

        data.CopyTo(_queue.AsSpan(_queued));
        _queued += data.Length;
    }

    private void Flush()
    {
        if (_pendingGet is null || _queued == 0)
        {
            return;
        }

        var get = _pendingGet;
        _pendingGet = null;
        get.ParkedFor = null;
        get.SendHttp(200, "text/plain; charset=UTF-8", _queue.AsSpan(0, _queued));
        _queued = 0;
    }
}

/// <summary>One TCP connection: HTTP/1.1 requests (polling, handshake) until it becomes a WebSocket.</summary>
internal sealed class Connection : TcpConn, ISink
{
    private static readonly byte[] WsGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();
    private readonly NullServer _server;
    private bool _ws;

    public Connection(NullServer server, Loop loop, int fd)
        : base(loop)
    {
        _server = server;
        Corked = true;
        Adopt(fd);
    }

    public HashSet<string> Rooms { get; } = new(StringComparer.Ordinal);

    public long PendingBinaryAck { get; set; } = -1;

    /// <summary>The polling session whose GET is parked on this connection.</summary>
    public PollSession? ParkedFor { get; set; }

    public void SendText(ReadOnlySpan<byte> packet) => SendFrame(Ws.OpText, packet);

    public void SendTextAndBinary(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> binary)
    {
        SendFrame(Ws.OpText, packet);
        SendFrame(Ws.OpBinary, binary);
    }

    public void SendPrebuilt(byte[] wsFrame, int headerLength) => SendTcp(wsFrame);

    public void SendHttp(int status, string contentType, ReadOnlySpan<byte> body)
    {
        SendTcp(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Bad Request")}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: keep-alive\r\n\r\n"));
        SendTcp(body);
    }

    protected override void OnConnected()
    {
    }

    protected override void OnClosed(string reason)
    {
        if (_ws)
        {
            _server.ClientClosed(this);
        }

        ParkedFor?.Close();
    }

    protected override int OnData(Span<byte> data)
    {
        var pos = 0;
        while (pos < data.Length && !IsClosed)
        {
            if (!_ws)
            {
                var used = HandleHttp(data[pos..]);
                if (used == 0)
                {
                    break;
                }

                pos += used;
                continue;
            }

            var total = Ws.TryParse(data[pos..], out var op, out _, out var off, out var plen, out var mask, out _);
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
            switch (op)
            {
                case Ws.OpText:
                    _server.OnEnginePacket(this, payload);
                    break;
                case Ws.OpBinary:
                    NullServer.OnBinary(this, payload);
                    break;
                case Ws.OpPing:
                    SendFrame(Ws.OpPong, payload);
                    break;
                case Ws.OpClose:
                    Fail("close frame");
                    return 0;
                default:
                    break;
            }
        }

        return pos;
    }

    /// <summary>Handles one HTTP request; returns the bytes used, 0 when incomplete.</summary>
    private int HandleHttp(ReadOnlySpan<byte> data)
    {
        var headerEnd = data.IndexOf("\r\n\r\n"u8);
        if (headerEnd < 0)
        {
            return 0;
        }

        var head = data[..headerEnd];
        var lineEnd = head.IndexOf("\r\n"u8);
        var requestLine = lineEnd < 0 ? head : head[..lineEnd];
        var sp1 = requestLine.IndexOf((byte)' ');
        var method = requestLine[..sp1];
        var target = requestLine[(sp1 + 1)..];
        target = target[..target.IndexOf((byte)' ')];
        long contentLength = 0;
        ReadOnlySpan<byte> wsKey = default;
        var rest = lineEnd < 0 ? default : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var eol = rest.IndexOf("\r\n"u8);
            var line = eol < 0 ? rest : rest[..eol];
            rest = eol < 0 ? default : rest[(eol + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                Sio.ParseInt(value, out contentLength);
            }
            else if (Ascii.EqualsIgnoreCase(name, "sec-websocket-key"u8))
            {
                wsKey = value;
            }
        }

        var total = headerEnd + 4 + (int)contentLength;
        if (data.Length < total)
        {
            return 0;
        }

        var body = data.Slice(headerEnd + 4, (int)contentLength);
        if (target.IndexOf("transport=websocket"u8) >= 0 && !wsKey.IsEmpty)
        {
            Span<byte> hash = stackalloc byte[20];
            var keyAndGuid = new byte[wsKey.Length + WsGuid.Length];
            wsKey.CopyTo(keyAndGuid);
            WsGuid.CopyTo(keyAndGuid, wsKey.Length);
#pragma warning disable CA5350 // RFC 6455 defines Sec-WebSocket-Accept with SHA-1.
            SHA1.HashData(keyAndGuid, hash);
#pragma warning restore CA5350
            SendTcp(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Convert.ToBase64String(hash)}\r\n\r\n"));
            _ws = true;
            _server.ClientOpened();
            SendText(NullServer.OpenPacket(NullServer.NewSid(), polling: false));
            return total;
        }

        if (target.IndexOf("transport=polling"u8) < 0)
        {
            SendHttp(400, "application/json", "{\"code\":0,\"message\":\"Transport unknown\"}"u8);
            return total;
        }

        var sidAt = target.IndexOf("sid="u8);
        if (sidAt < 0)
        {
            var session = _server.NewPollSession();
            SendHttp(200, "text/plain; charset=UTF-8", NullServer.OpenPacket(session.SidBytes, polling: true));
            return total;
        }

        var sidEnd = target[(sidAt + 4)..].IndexOf((byte)'&');
        var sid = Encoding.ASCII.GetString(sidEnd < 0 ? target[(sidAt + 4)..] : target.Slice(sidAt + 4, sidEnd));
        var s = _server.FindSession(sid);
        if (s is null)
        {
            SendHttp(400, "application/json", "{\"code\":1,\"message\":\"Session ID unknown\"}"u8);
            return total;
        }

        if (method.SequenceEqual("POST"u8))
        {
            s.Post(body);
            SendHttp(200, "text/html", "ok"u8);
        }
        else
        {
            s.Get(this);
        }

        return total;
    }

    private void SendFrame(byte op, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[Ws.MaxHeader];
        var h = Ws.WriteHeader(header, op, payload.Length, null);
        SendTcp(header[..h]);
        SendTcp(payload);
    }
}
