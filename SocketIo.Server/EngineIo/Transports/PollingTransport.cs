using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace SocketIo.Server.EngineIo.Transports;

/// <summary>
/// HTTP long-polling (Node: engine.io <c>transports/polling.ts</c>): a pending GET receives the buffered packets,
/// a POST carries client packets. The transport keeps a request only while that request is in flight.
/// </summary>
internal sealed class PollingTransport : EngineTransport
{
    private readonly object _sync = new();
    private readonly EngineIoOptions _options;
    private TaskCompletionSource<PollResponse?>? _pendingPoll;
    private bool _dataRequestActive;
    private Action? _abortDataRequest;
    private Action? _shouldClose;
    private ITimer? _closeTimer;

    public PollingTransport(EngineIoOptions options) => _options = options;

    /// <summary>
    /// Called with each 200 response this transport is about to write, after its own headers (Node: the transport's
    /// <c>headers</c> event, which engine.io's <c>headers</c> and <c>initial_headers</c> hang on).
    /// </summary>
    public Action<HttpContext>? OnResponseHeaders { get; init; }

    public override string Name => EngineIoOptions.Polling;

    public override bool Writable
    {
        get
        {
            lock (_sync)
            {
                return _pendingPoll is not null;
            }
        }
    }

    /// <summary>Handles one HTTP request of this session (Node: <c>Polling.onRequest</c>).</summary>
    public Task HandleRequestAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method))
        {
            return HandlePollAsync(context);
        }

        if (HttpMethods.IsPost(context.Request.Method))
        {
            return HandleDataAsync(context);
        }

        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return Task.CompletedTask;
    }

    private async Task HandlePollAsync(HttpContext context)
    {
        var poll = new TaskCompletionSource<PollResponse?>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool overlap;
        lock (_sync)
        {
            // Only a finished transport refuses polls. A closing one must accept the next GET: that GET is how
            // the close packet reaches the client (polling.ts onPollRequest has no readyState check; the
            // pendingClose branch below answers it). Counting "closing" as overlap turned a server-side close
            // without a pending GET into a 400 and a "transport error".
            overlap = _pendingPoll is not null || IsClosed;
            if (!overlap)
            {
                _pendingPoll = poll;
            }
        }

        if (overlap)
        {
            // A second GET while one is pending is a protocol error that closes the session (polling.ts onPollRequest).
            RaiseError("overlap from client");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        RaiseReady();

        bool pendingClose;
        lock (_sync)
        {
            pendingClose = _pendingPoll == poll && _shouldClose is not null;
        }

        if (pendingClose)
        {
            // A close was requested while no GET was pending: answer this one with the close packet.
            TrySend([EnginePacket.Noop]);
        }

        PollResponse? response;
        using (context.RequestAborted.Register(static s => ((PollingTransport)((object[])s!)[0]).OnPollAborted((TaskCompletionSource<PollResponse?>)((object[])s!)[1]), new object[] { this, poll }))
        {
            response = await poll.Task.ConfigureAwait(false);
        }

        if (response is null)
        {
            return;
        }

        await WritePollResponseAsync(context, response.Value).ConfigureAwait(false);
    }

    private void OnPollAborted(TaskCompletionSource<PollResponse?> poll)
    {
        bool wasPending;
        lock (_sync)
        {
            wasPending = _pendingPoll == poll;
            if (wasPending)
            {
                _pendingPoll = null;
            }
        }

        poll.TrySetResult(null);
        if (wasPending)
        {
            RaiseError("poll connection closed prematurely");
        }
    }

    private async Task WritePollResponseAsync(HttpContext context, PollResponse response)
    {
        var http = context.Response;
        AddCommonHeaders(context);
        http.ContentType = "text/plain; charset=UTF-8";
        var body = response.Payload;
        var encoding = response.Compress ? ChooseEncoding(context.Request, body.Length) : null;
        if (encoding is not null)
        {
            body = CompressPayload(body, encoding);
            http.Headers.ContentEncoding = encoding;
        }

        http.ContentLength = body.Length;
        try
        {
            await http.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away after the packets were handed over; the session learns it from its next request or the heartbeat.
        }
    }

    private string? ChooseEncoding(HttpRequest request, int length)
    {
        if (_options.HttpCompressionThreshold is not { } threshold || length < threshold)
        {
            return null;
        }

        // Node uses accepts(req).encodings(["gzip", "deflate"]): the best q-value wins, gzip on a tie.
        double gzip = 0, deflate = 0;
        foreach (var value in request.Headers.AcceptEncoding)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.Split(','))
            {
                if (!StringWithQualityHeaderValue.TryParse(part.Trim(), out var parsed))
                {
                    continue;
                }

                var q = parsed.Quality ?? 1.0;
                var name = parsed.Value.Value;
                if (string.Equals(name, "gzip", StringComparison.OrdinalIgnoreCase))
                {
                    gzip = Math.Max(gzip, q);
                }
                else if (string.Equals(name, "deflate", StringComparison.OrdinalIgnoreCase))
                {
                    deflate = Math.Max(deflate, q);
                }
                else if (name == "*")
                {
                    gzip = Math.Max(gzip, q);
                    deflate = Math.Max(deflate, q);
                }
            }
        }

        if (gzip <= 0 && deflate <= 0)
        {
            return null;
        }

        return gzip >= deflate ? "gzip" : "deflate";
    }

    private static byte[] CompressPayload(byte[] payload, string encoding)
    {
        using var output = new MemoryStream();
        // Node's "deflate" is zlib-wrapped (zlib.createDeflate).
        using (Stream compressor = encoding == "gzip"
                   ? new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)
                   : new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            compressor.Write(payload);
        }

        return output.ToArray();
    }

    private void AddCommonHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        var ua = context.Request.Headers.UserAgent.ToString();
        if (ua.Contains(";MSIE", StringComparison.Ordinal) || ua.Contains("Trident/", StringComparison.Ordinal))
        {
            headers["X-XSS-Protection"] = "0";
        }

        OnResponseHeaders?.Invoke(context);
    }

    private async Task HandleDataAsync(HttpContext context)
    {
        var isBinary = string.Equals(context.Request.ContentType, "application/octet-stream", StringComparison.OrdinalIgnoreCase);
        bool overlap;
        lock (_sync)
        {
            overlap = _dataRequestActive;
            // A binary POST is refused before it becomes the data request (polling.ts onDataRequest sets dataReq
            // only after that check): otherwise closing the session would abort it and the client would see a
            // reset instead of the 400.
            if (!overlap && !isBinary)
            {
                _dataRequestActive = true;
                _abortDataRequest = context.Abort;
            }
        }

        if (overlap)
        {
            RaiseError("data request overlap from client");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (isBinary)
        {
            // v3 binary POSTs are not part of v4: the reference closes the session (polling.ts onDataRequest).
            RaiseError("invalid content");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        try
        {
            byte[]? body;
            try
            {
                body = await ReadBodyAsync(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or BadHttpRequestException)
            {
                RaiseError("data request connection closed prematurely");
                return;
            }
            finally
            {
                // Closing the session aborts the data request only while its body is still being read: polling.ts
                // doClose calls dataReq.destroy(), and Node's IncomingMessage._destroy (_http_incoming.js) destroys
                // the socket only for a request that was not fully read. A payload that closes the session (parse
                // error, a client ping, a Socket.IO packet that ends the connection) still gets its 200 "ok".
                lock (_sync)
                {
                    _abortDataRequest = null;
                }
            }

            if (body is null)
            {
                // Too large: 413 with an empty body, and the session survives (observed on engine.io 6.6.12).
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }

            OnData(body);

            AddCommonHeaders(context);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/html";
            context.Response.ContentLength = 2;
            await context.Response.Body.WriteAsync("ok"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away while we answered; nothing to tell it.
        }
        finally
        {
            lock (_sync)
            {
                _dataRequestActive = false;
                _abortDataRequest = null;
            }
        }
    }

    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var max = _options.MaxHttpBufferSize;
        if (context.Request.ContentLength is { } declared && declared > max)
        {
            return null;
        }

        var initial = context.Request.ContentLength is { } len ? (int)Math.Min(len, max) : 4096;
        var buffer = new byte[Math.Max(initial, 16)];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total > max)
                {
                    return null;
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, max + 1));
            }

            var read = await context.Request.Body.ReadAsync(buffer.AsMemory(total), context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total > max)
            {
                return null;
            }
        }

        return total == buffer.Length ? buffer : buffer.AsSpan(0, total).ToArray();
    }

    private void OnData(byte[] body)
    {
        foreach (var packet in EnginePacketCodec.DecodePayload(body))
        {
            if (packet is { Type: EnginePacketType.Close })
            {
                OnClientClose();
                return;
            }

            RaisePacket(packet);
            if (packet is null)
            {
                return;
            }
        }
    }

    /// <summary>The client sent <c>1</c>: release the pending GET with a noop, then report the close (polling.ts onClose).</summary>
    private void OnClientClose()
    {
        TrySend([EnginePacket.Noop]);
        RaiseClose();
    }

    public override bool TrySend(IReadOnlyList<EnginePacket> packets)
    {
        TaskCompletionSource<PollResponse?>? poll;
        Action? shouldClose;
        lock (_sync)
        {
            poll = _pendingPoll;
            if (poll is null)
            {
                return false;
            }

            _pendingPoll = null;
            shouldClose = _shouldClose;
            _shouldClose = null;
        }

        if (shouldClose is not null)
        {
            var withClose = new List<EnginePacket>(packets.Count + 1);
            withClose.AddRange(packets);
            withClose.Add(EnginePacket.CloseAll);
            packets = withClose;
        }

        var compress = false;
        for (var i = 0; i < packets.Count; i++)
        {
            compress |= packets[i].Compress;
        }

        poll.TrySetResult(new PollResponse(EnginePacketCodec.EncodePayload(packets), compress));
        shouldClose?.Invoke();
        return true;
    }

    protected override void DoClose(Action onClosed)
    {
        Action? abortData;
        lock (_sync)
        {
            abortData = _abortDataRequest;
        }

        abortData?.Invoke();

        var done = 0;
        void Finish()
        {
            if (Interlocked.Exchange(ref done, 1) != 0)
            {
                return;
            }

            _closeTimer?.Dispose();
            onClosed();
            RaiseClose();
        }

        if (TrySend([EnginePacket.CloseAll]))
        {
            Finish();
            return;
        }

        if (Discarded)
        {
            Finish();
            return;
        }

        lock (_sync)
        {
            _shouldClose = Finish;
        }

        // The client may never poll again: give up waiting after closeTimeout (polling.ts doClose).
        _closeTimer = _options.TimeProvider.CreateTimer(static s => ((Action)s!)(), (Action)Finish, _options.PollingCloseTimeout, Timeout.InfiniteTimeSpan);
        if (!Writable)
        {
            return;
        }

        // A GET arrived between the first TrySend and setting _shouldClose.
        TrySend([EnginePacket.Noop]);
    }

    private readonly record struct PollResponse(byte[] Payload, bool Compress);
}
