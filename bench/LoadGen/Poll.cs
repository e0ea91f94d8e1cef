using System.Diagnostics;
using System.Net;
using System.Numerics;
using System.Text;

namespace SocketIo.Bench;

internal delegate void ResponseHandler(int status, ReadOnlySpan<byte> body);

/// <summary>A minimal keep-alive HTTP/1.1 client connection on the loop: one request at a time, Content-Length or chunked bodies.</summary>
internal sealed class HttpConn : TcpConn
{
    private readonly Action<string> _onFailure;
    private byte[] _body = new byte[1024];
    private ResponseHandler? _handler;
    private Action? _onConnected;

    public HttpConn(Loop loop, Action<string> onFailure)
        : base(loop)
    {
        _onFailure = onFailure;
    }

    public void Connect(IPEndPoint server, Action onConnected)
    {
        _onConnected = onConnected;
        ConnectTcp(server, null);
    }

    /// <summary>Sends a request; <paramref name="handler"/> gets the response (on the loop thread).</summary>
    public void Request(ReadOnlySpan<byte> request, ResponseHandler handler)
    {
        if (_handler is not null)
        {
            _onFailure("HTTP request while another one is pending");
            return;
        }

        _handler = handler;
        SendTcp(request);
    }

    protected override void OnConnected() => _onConnected?.Invoke();

    protected override void OnClosed(string reason) => _onFailure(reason);

    protected override int OnData(Span<byte> data)
    {
        var used = 0;
        while (used < data.Length && !IsClosed)
        {
            var n = TryParse(data[used..], out var status, out var bodyLength);
            if (n < 0)
            {
                Fail("malformed HTTP response");
                return 0;
            }

            if (n == 0)
            {
                break;
            }

            used += n;
            var handler = _handler;
            _handler = null;
            if (handler is null)
            {
                Fail("unexpected HTTP response");
                return 0;
            }

            handler(status, _body.AsSpan(0, bodyLength));
        }

        return used;
    }

    /// <summary>Returns the response length (0 = incomplete, -1 = malformed); the body goes to <see cref="_body"/>.</summary>
    private int TryParse(ReadOnlySpan<byte> span, out int status, out int bodyLength)
    {
        status = 0;
        bodyLength = 0;
        var headerEnd = span.IndexOf("\r\n\r\n"u8);
        if (headerEnd < 0)
        {
            return 0;
        }

        var head = span[..headerEnd];
        if (head.Length < 12 || Sio.ParseInt(head[9..], out var code) != 3)
        {
            return -1;
        }

        status = (int)code;
        long contentLength = -1;
        var chunked = false;
        var rest = head;
        while (true)
        {
            var eol = rest.IndexOf("\r\n"u8);
            if (eol < 0)
            {
                break;
            }

            rest = rest[(eol + 2)..];
            var lineEnd = rest.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? rest : rest[..lineEnd];
            var colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                var name = line[..colon];
                var value = line[(colon + 1)..].Trim((byte)' ');
                if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
                {
                    Sio.ParseInt(value, out contentLength);
                }
                else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8) && value.IndexOf("chunked"u8) >= 0)
                {
                    chunked = true;
                }
            }
        }

        var pos = headerEnd + 4;
        if (!chunked)
        {
            var length = contentLength < 0 ? 0 : (int)contentLength;
            if (span.Length < pos + length)
            {
                return 0;
            }

            Append(ref bodyLength, span.Slice(pos, length));
            return pos + length;
        }

        while (true)
        {
            var eol = span[pos..].IndexOf("\r\n"u8);
            if (eol < 0)
            {
                return 0;
            }

            if (!System.Buffers.Text.Utf8Parser.TryParse(span.Slice(pos, eol), out int size, out _, 'x'))
            {
                return -1;
            }

            var dataStart = pos + eol + 2;
            if (size == 0)
            {
                // no trailers expected: the terminating CRLF follows
                return span.Length < dataStart + 2 ? 0 : dataStart + 2;
            }

            if (span.Length < dataStart + size + 2)
            {
                return 0;
            }

            Append(ref bodyLength, span.Slice(dataStart, size));
            pos = dataStart + size + 2;
        }
    }

    private void Append(ref int length, ReadOnlySpan<byte> data)
    {
        if (_body.Length < length + data.Length)
        {
            Array.Resize(ref _body, (int)BitOperations.RoundUpToPowerOf2((uint)(length + data.Length)));
        }

        data.CopyTo(_body.AsSpan(length));
        length += data.Length;
    }
}

/// <summary>
/// A Socket.IO client over HTTP long-polling, as engine.io-client runs it: one keep-alive connection that always
/// has a GET pending, one for POSTs. Closed-loop echo with one ack in flight. Runs on the loop thread.
/// </summary>
internal sealed class PollClient : IClient
{
    private readonly Ctx _ctx;
    private readonly EchoRun _run;
    private readonly HttpConn _get;
    private readonly HttpConn _post;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ResponseHandler _onGet;
    private readonly ResponseHandler _onPost;
    private readonly byte[] _request;
    private byte[] _getRequest = [];
    private byte[] _postHead = [];
    private byte[] _postBuf = new byte[512];
    private int _connectedConns;
    private bool _pendingPong;
    private bool _closing;
    private bool _looping;
    private long _expectId = -1;
    private bool _ackArrived;
    private bool _postDone;
    private long _sentAt;

    public PollClient(Ctx ctx, EchoRun run, long quota)
    {
        _ctx = ctx;
        _run = run;
        Quota = quota;
        _get = new HttpConn(ctx.Loop, OnFailure);
        _post = new HttpConn(ctx.Loop, OnFailure);
        _onGet = OnGet;
        _onPost = OnPost;
        _request = new byte[64 + run.RequestSuffix.Length];
    }

    public long Quota { get; }

    public long Sent { get; private set; }

    public long Acked { get; private set; }

    public bool Done => _closing || !_looping;

    public Samples Latency { get; } = new();

    public long ConnectStart { get; private set; }

    public long ConnectEnd { get; private set; }

    public Task Connected => _connected.Task;

    public bool IsClosed => _get.IsClosed || _post.IsClosed;

    public void Start(IPAddress? source) => _ctx.Loop.Post(() =>
    {
        ConnectStart = Stopwatch.GetTimestamp();
        _get.Connect(_ctx.Server, OnTcpConnected);
        _post.Connect(_ctx.Server, OnTcpConnected);
    });

    public void Close() => _ctx.Loop.Post(() =>
    {
        _closing = true;
        _get.CloseTcp();
        _post.CloseTcp();
    });

    /// <summary>Starts the closed loop (loop thread).</summary>
    public void Kick()
    {
        _looping = true;
        _get.Request(_getRequest, _onGet);
        SendNext();
    }

    private void OnFailure(string reason)
    {
        if (_closing)
        {
            return;
        }

        _closing = true;
        if (_connected.Task.IsCompleted)
        {
            _ctx.Error("polling: " + reason);
        }

        _connected.TrySetException(new IOException(reason));
        _get.CloseTcp();
        _post.CloseTcp();
    }

    private void OnTcpConnected()
    {
        if (++_connectedConns < 2)
        {
            return;
        }

        var host = _ctx.Server.ToString();
        _get.Request(Encoding.ASCII.GetBytes($"GET {_ctx.Path}?EIO=4&transport=polling HTTP/1.1\r\nHost: {host}\r\n\r\n"), (status, body) =>
        {
            var open = Encoding.UTF8.GetString(body);
            if (status != 200 || !open.StartsWith("0{", StringComparison.Ordinal))
            {
                OnFailure($"polling handshake failed: {status} {open}");
                return;
            }

            var at = open.IndexOf("\"sid\":\"", StringComparison.Ordinal) + 7;
            var sid = open[at..open.IndexOf('"', at)];
            _getRequest = Encoding.ASCII.GetBytes($"GET {_ctx.Path}?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: {host}\r\n\r\n");
            _postHead = Encoding.ASCII.GetBytes(
                $"POST {_ctx.Path}?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ");
            Post("40"u8, (s, b) =>
            {
                if (s != 200 || !b.SequenceEqual("ok"u8))
                {
                    OnFailure($"POST 40 answered {s} {Encoding.UTF8.GetString(b)}");
                }
            });
            _get.Request(_getRequest, (s, b) =>
            {
                var text = Encoding.UTF8.GetString(b);
                if (s != 200 || !text.Split('\x1e').Any(p => p.StartsWith("40{", StringComparison.Ordinal)))
                {
                    OnFailure($"polling CONNECT failed: {s} {text}");
                    return;
                }

                ConnectEnd = Stopwatch.GetTimestamp();
                _connected.TrySetResult();
            });
        });
    }

    private void SendNext()
    {
        if (_closing || !_run.Running || (Quota >= 0 && Sent >= Quota))
        {
            _looping = false;
            return;
        }

        var id = Sent++;
        var n = 0;
        if (_pendingPong)
        {
            _pendingPong = false;
            _request[n++] = (byte)'3';
            _request[n++] = 0x1e;
        }

        _request[n++] = (byte)'4';
        _request[n++] = (byte)'2';
        n += Sio.WriteInt(_request.AsSpan(n), id);
        _run.RequestSuffix.CopyTo(_request, n);
        n += _run.RequestSuffix.Length;
        _expectId = id;
        _ackArrived = false;
        _postDone = false;
        _sentAt = Stopwatch.GetTimestamp();
        Post(_request.AsSpan(0, n), _onPost);
    }

    private void OnPost(int status, ReadOnlySpan<byte> body)
    {
        if (status != 200 || !body.SequenceEqual("ok"u8))
        {
            _ctx.Error($"POST answered {status} {Encoding.UTF8.GetString(body)}");
            return;
        }

        _postDone = true;
        Advance();
    }

    private void Advance()
    {
        if (!_postDone || !_ackArrived)
        {
            return;
        }

        Acked++;
        if (_run.Measuring)
        {
            Latency.Add(Stopwatch.GetTimestamp() - _sentAt);
        }

        SendNext();
    }

    private void Post(ReadOnlySpan<byte> body, ResponseHandler handler)
    {
        var need = _postHead.Length + 16 + body.Length;
        if (_postBuf.Length < need)
        {
            _postBuf = new byte[need * 2];
        }

        _postHead.CopyTo(_postBuf, 0);
        var n = _postHead.Length;
        n += Sio.WriteInt(_postBuf.AsSpan(n), body.Length);
        "\r\n\r\n"u8.CopyTo(_postBuf.AsSpan(n));
        n += 4;
        body.CopyTo(_postBuf.AsSpan(n));
        n += body.Length;
        _post.Request(_postBuf.AsSpan(0, n), handler);
    }

    private void OnGet(int status, ReadOnlySpan<byte> body)
    {
        if (status != 200)
        {
            _ctx.Error($"GET answered {status} {Encoding.UTF8.GetString(body)}");
            return;
        }

        while (true)
        {
            var sep = body.IndexOf((byte)0x1e);
            HandlePacket(sep < 0 ? body : body[..sep]);
            if (sep < 0)
            {
                break;
            }

            body = body[(sep + 1)..];
        }

        if (!_closing)
        {
            _get.Request(_getRequest, _onGet);
            if (_pendingPong && !_looping)
            {
                _pendingPong = false;
                Post("3"u8, (_, _) => { });
            }
        }
    }

    private void HandlePacket(ReadOnlySpan<byte> p)
    {
        if (p.IsEmpty)
        {
            _ctx.Error("empty polling packet");
            return;
        }

        switch (p[0])
        {
            case (byte)'2':
                _pendingPong = true;
                return;
            case (byte)'6':
                return;
            case (byte)'1':
                OnFailure("Engine.IO close packet from the server");
                return;
            case (byte)'4' when p.Length > 2 && p[1] == (byte)'3':
                var n = Sio.ParseInt(p[2..], out var id);
                if (n == 0 || id != _expectId || _ackArrived)
                {
                    _ctx.Error("unexpected ack " + Encoding.UTF8.GetString(p));
                    return;
                }

                if (!p[(2 + n)..].SequenceEqual(_run.AckSuffix))
                {
                    _ctx.Error("wrong ack payload " + Encoding.UTF8.GetString(p));
                }

                _ackArrived = true;
                Advance();
                return;
            default:
                _ctx.Error("unexpected packet " + Encoding.UTF8.GetString(p[..Math.Min(p.Length, 120)]));
                return;
        }
    }
}
