using System.Text;
using SocketIo.Server.EngineIo;

namespace SocketIo.Tests.Support;

/// <summary>A message the handler received.</summary>
internal sealed record ReceivedMessage(string Sid, byte[] Data, bool IsBinary)
{
    /// <summary>The message as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>A session the handler saw close.</summary>
internal sealed record ClosedSession(string Sid, string Reason, string? Description);

/// <summary>
/// An <see cref="EngineIoHandler"/> that records every callback and lets tests await them. Optional hooks run
/// before a callback is recorded, so that once a test has observed the record, the hook has run.
/// </summary>
internal sealed class RecordingEngineHandler : EngineIoHandler
{
    private readonly object _sync = new();
    private readonly List<EngineIoSocket> _connections = [];
    private readonly List<ReceivedMessage> _messages = [];
    private readonly List<ClosedSession> _closes = [];
    private readonly List<EngineIoConnectionError> _errors = [];
    private readonly List<Func<bool>> _waiters = [];

    /// <summary>Runs inside <see cref="OnConnection"/>.</summary>
    public Action<EngineIoSocket>? ConnectionHook { get; set; }

    /// <summary>Runs inside <see cref="OnMessage"/>.</summary>
    public Action<EngineIoSocket, EngineMessage>? MessageHook { get; set; }

    /// <summary>Runs inside <see cref="OnClose"/>.</summary>
    public Action<EngineIoSocket, string, string?>? CloseHook { get; set; }

    public IReadOnlyList<EngineIoSocket> Connections
    {
        get
        {
            lock (_sync)
            {
                return [.. _connections];
            }
        }
    }

    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_sync)
            {
                return [.. _messages];
            }
        }
    }

    public IReadOnlyList<ClosedSession> Closes
    {
        get
        {
            lock (_sync)
            {
                return [.. _closes];
            }
        }
    }

    public IReadOnlyList<EngineIoConnectionError> ConnectionErrors
    {
        get
        {
            lock (_sync)
            {
                return [.. _errors];
            }
        }
    }

    public IReadOnlyList<ReceivedMessage> MessagesOf(string sid)
    {
        lock (_sync)
        {
            return _messages.Where(m => m.Sid == sid).ToList();
        }
    }

    public ClosedSession? CloseOf(string sid)
    {
        lock (_sync)
        {
            return _closes.FirstOrDefault(c => c.Sid == sid);
        }
    }

    public override void OnConnection(EngineIoSocket socket)
    {
        ConnectionHook?.Invoke(socket);
        Record(() => _connections.Add(socket));
    }

    public override void OnMessage(EngineIoSocket socket, EngineMessage message)
    {
        MessageHook?.Invoke(socket, message);
        var copy = new ReceivedMessage(socket.Id, message.Data.ToArray(), message.IsBinary);
        Record(() => _messages.Add(copy));
    }

    public override void OnClose(EngineIoSocket socket, string reason, string? description)
    {
        CloseHook?.Invoke(socket, reason, description);
        Record(() => _closes.Add(new ClosedSession(socket.Id, reason, description)));
    }

    public override void OnConnectionError(EngineIoConnectionError connectionError) =>
        Record(() => _errors.Add(connectionError));

    public Task<EngineIoSocket> WaitForConnectionAsync(string sid) =>
        WaitForAsync(() => _connections.FirstOrDefault(s => s.Id == sid), $"the connection of session {sid}");

    public Task<ClosedSession> WaitForCloseAsync(string sid) =>
        WaitForAsync(() => _closes.FirstOrDefault(c => c.Sid == sid), $"the close of session {sid}");

    public Task<IReadOnlyList<ReceivedMessage>> WaitForMessagesAsync(string sid, int count) =>
        WaitForAsync<IReadOnlyList<ReceivedMessage>>(
            () =>
            {
                var of = _messages.Where(m => m.Sid == sid).ToList();
                return of.Count >= count ? of : null;
            },
            $"{count} message(s) from session {sid}");

    public Task<ReceivedMessage> WaitForMessageAsync(string sid, string text) =>
        WaitForAsync(() => _messages.FirstOrDefault(m => m.Sid == sid && !m.IsBinary && m.Text == text), $"message \"{text}\" from session {sid}");

    public Task<IReadOnlyList<ClosedSession>> WaitForClosesAsync(int count) =>
        WaitForAsync<IReadOnlyList<ClosedSession>>(() => _closes.Count >= count ? [.. _closes] : null, $"{count} closed session(s)");

    public Task<EngineIoConnectionError> WaitForConnectionErrorAsync(EngineIoErrorCode code) =>
        WaitForAsync(() => _errors.FirstOrDefault(e => e.Code == code), $"a connection error with code {code}");

    /// <summary>Completes when <paramref name="probe"/> (evaluated under the recorder's lock) returns non-null.</summary>
    public Task<T> WaitForAsync<T>(Func<T?> probe, string what)
        where T : class
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool Check()
        {
            if (probe() is not { } result)
            {
                return false;
            }

            tcs.TrySetResult(result);
            return true;
        }

        lock (_sync)
        {
            if (!Check())
            {
                _waiters.Add(Check);
            }
        }

        return tcs.Task.WithTimeout(what);
    }

    private void Record(Action change)
    {
        lock (_sync)
        {
            change();
            _waiters.RemoveAll(w => w());
        }
    }
}
