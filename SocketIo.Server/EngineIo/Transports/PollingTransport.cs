using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using SocketIo.Server.EngineIo.V3;

namespace SocketIo.Server.EngineIo.Transports;

/// <summary>
/// HTTP long-polling (Node: engine.io <c>transports/polling.ts</c>): a pending GET receives the buffered packets,
/// a POST carries client packets. The transport keeps a request only while that request is in flight.
/// </summary>
internal sealed class PollingTransport : EngineTransport
{
    /// <summary>The JSONP script head (<see cref="JsonpPolling.HeadFor"/>) when the handshake asked for JSONP; null for XHR polling.</summary>
    public string? JsonpHead { get; init; }

    private readonly object _sync = new();
    private readonly EngineIoOptions _options;
    private readonly IEngineIoEventLoop? _eventLoop;
    private TaskCompletionSource<PollResponse?>? _pendingPoll;
    private bool _dataRequestActive;
    private Action? _abortDataRequest;
    private Action? _shouldClose;
    private ITimer? _closeTimer;

    public PollingTransport(EngineIoOptions options, IEngineIoEventLoop? eventLoop = null)
    {
        _options = options;
        _eventLoop = eventLoop;
    }

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
        // Completed only through Answer (on the thread pool, or after the event loop's batch), never inline in a sender's call.
        var poll = new TaskCompletionSource<PollResponse?>();
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

        if (await WritePollResponseAsync(context, response.Value).ConfigureAwait(false))
        {
            // The response is written (polling.ts write: "drain" once the response has been ended).
            response.Value.Written?.Invoke();
        }
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

        Answer(poll, null);
        if (wasPending)
        {
            RaiseError("poll connection closed prematurely");
        }
    }

    /// <returns>Whether the body was written.</returns>
    private async Task<bool> WritePollResponseAsync(HttpContext context, PollResponse response)
    {
        var http = context.Response;
        AddCommonHeaders(context);
        http.ContentType = response.IsBinary ? "application/octet-stream" : "text/plain; charset=UTF-8";
        var body = response.Payload;
        var encoding = response.Compress ? ChooseEncoding(context.Request, body.Length) : null;
        if (encoding is not null)
        {
            body = CompressPayload(body, encoding, EngineIoOptions.ZLibOptions(_options.HttpCompressionLevel, _options.HttpCompressionStrategy, defaultLevel: 1));
            http.Headers.ContentEncoding = encoding;
        }

        http.ContentLength = body.Length;
        try
        {
            await http.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away after the packets were handed over; the session learns it from its next request or the heartbeat.
            return false;
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

    private static byte[] CompressPayload(byte[] payload, string encoding, ZLibCompressionOptions? zlib)
    {
        using var output = new MemoryStream();
        // Node's "deflate" is zlib-wrapped (zlib.createDeflate).
        using (Stream compressor = (encoding == "gzip", zlib) switch
               {
                   (true, null) => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
                   (true, { } o) => new GZipStream(output, o, leaveOpen: true),
                   (false, null) => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
                   (false, { } o) => new ZLibStream(output, o, leaveOpen: true),
               })
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
        // v3 clients that take binary post the binary payload format; v4 has none.
        var refuseBinary = isBinary && Protocol == 4;
        bool overlap;
        lock (_sync)
        {
            overlap = _dataRequestActive;
            // A binary POST is refused before it becomes the data request (polling.ts onDataRequest sets dataReq
            // only after that check): otherwise closing the session would abort it and the client would see a
            // reset instead of the 400.
            if (!overlap && !refuseBinary)
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

        if (refuseBinary)
        {
            // v3 binary POSTs are not part of v4: the reference closes the session (polling.ts onDataRequest).
            RaiseError("invalid content");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var released = false;
        try
        {
            BodyRead read;
            // The body must arrive within HttpRequestBodyTimeout (engine.io 6.6.13 httpRequestBodyTimeout): a client
            // that trickles it, or sends none, must not hold the session's data request.
            using (var timeout = new CancellationTokenSource(_options.HttpRequestBodyTimeout, _options.TimeProvider))
            using (var reading = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token))
            {
                try
                {
                    read = await ReadBodyAsync(context, reading.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                {
                    read = new BodyRead(null, StatusCodes.Status408RequestTimeout, "http request timeout");
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
            }

            if (read.Body is not { } body)
            {
                // engine.io 6.6.13: 408 (too slow) or 413 (too large, too many chunks) with an empty body, the rest of
                // the request unread (Node destroys it: here the connection closes after the answer), and the session
                // ends with "transport error".
                context.Response.StatusCode = read.Status;
                context.Response.Headers.Connection = "close";
                RaiseError(read.Error!);
                return;
            }

            if (JsonpHead is null)
            {
                OnData(body, isBinary);
            }
            else if (JsonpPolling.Unwrap(body) is { } payload)
            {
                OnData(payload, isBinary: false);
            }

            // The session takes the next POST from here on (polling.ts onEnd: cleanup() in the tick of res.end("ok")):
            // once "ok" is on the wire the client may send it, and an I/O loop that writes inline can read it (on
            // another connection, another thread) before this method has run to its end.
            ReleaseDataRequest();
            released = true;
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
            if (!released)
            {
                ReleaseDataRequest(); // not after the release above: the next POST may own the data request by now
            }
        }
    }

    private void ReleaseDataRequest()
    {
        lock (_sync)
        {
            _dataRequestActive = false;
            _abortDataRequest = null;
        }
    }

    private async Task<BodyRead> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var max = _options.MaxHttpBufferSize;
        if (context.Request.ContentLength is { } declared && declared > max)
        {
            return BodyRead.TooLarge;
        }

        var initial = context.Request.ContentLength is { } len ? (int)Math.Min(len, max) : 4096;
        var buffer = new byte[Math.Max(initial, 16)];
        var total = 0;
        var chunks = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total > max)
                {
                    return BodyRead.TooLarge;
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, max + 1));
            }

            var read = await context.Request.Body.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total > max)
            {
                return BodyRead.TooLarge;
            }

            // Each read is what arrived since the last one, as each of Node's "data" events is a chunk.
            if (++chunks > _options.MaxBufferedChunks)
            {
                return new BodyRead(null, StatusCodes.Status413PayloadTooLarge, "too many chunks");
            }
        }

        return new BodyRead(total == buffer.Length ? buffer : buffer.AsSpan(0, total).ToArray(), StatusCodes.Status200OK, null);
    }

    /// <summary>A POST body, or the answer and the transport error that refuse it.</summary>
    private readonly record struct BodyRead(byte[]? Body, int Status, string? Error)
    {
        public static BodyRead TooLarge => new(null, StatusCodes.Status413PayloadTooLarge, "payload too large");
    }

    private void OnData(byte[] body, bool isBinary)
    {
        var packets = Protocol == 4 ? EnginePacketCodec.DecodePayload(body)
            : isBinary ? EngineV3Codec.DecodeBinaryPayload(body)
            : EngineV3Codec.DecodeTextPayload(body);
        foreach (var packet in packets)
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

    public override bool TrySend(IReadOnlyList<EnginePacket> packets, Action? written)
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

        var isBinary = false;
        var payload = Protocol == 4 ? EnginePacketCodec.EncodePayload(packets) : EngineV3Codec.EncodePayload(packets, SupportsBinary && JsonpHead is null, out isBinary);
        if (JsonpHead is { } head)
        {
            payload = JsonpPolling.Wrap(head, payload);
        }

        Answer(poll, new PollResponse(payload, compress, isBinary, written));
        shouldClose?.Invoke();
        return true;
    }

    /// <summary>
    /// Releases a pending GET, whose continuation writes the response: after the current batch of the host's event
    /// loop when called on one of its threads, else on the thread pool; in both cases outside the caller, which may
    /// hold the session's lock.
    /// </summary>
    private void Answer(TaskCompletionSource<PollResponse?> poll, PollResponse? response)
    {
        var state = new PollAnswer(poll, response);
        if (_eventLoop is null || !_eventLoop.TryRunAfterBatch(static s => ((PollAnswer)s!).Complete(), state))
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Complete(), state, preferLocal: false);
        }
    }

    private sealed class PollAnswer(TaskCompletionSource<PollResponse?> poll, PollResponse? response)
    {
        public void Complete() => poll.TrySetResult(response);
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

    private readonly record struct PollResponse(byte[] Payload, bool Compress, bool IsBinary, Action? Written);
}
