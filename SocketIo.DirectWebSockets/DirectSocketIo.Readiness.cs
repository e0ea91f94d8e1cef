using System.Threading.Tasks.Sources;

namespace SocketIo.DirectWebSockets;

internal sealed partial class DirectSocketIo
{
    /// <summary>
    /// One direction's readiness under an edge-triggered loop: a count of the events seen, and at most one waiter. A
    /// caller reads <see cref="Seen"/>, tries its system call, and on a would-block waits for the count to move past
    /// what it read: an event between the try and the wait is never lost. The waiter's continuation runs inline, on
    /// the loop's thread (no thread-pool hop); a failure (the socket closed) completes it on the thread pool instead,
    /// so that whoever closes the socket never runs the reader's code inside its own call.
    /// </summary>
    private sealed class Readiness : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core; // continuations inline: the whole point
        private int _seq;
        private int _waiting; // 1 while a waiter is registered and not yet completed; whoever swaps it to 0 completes it
        private Exception? _failed;
        private CancellationToken _token;
        private CancellationTokenRegistration _cancel;

        public int Seen => Volatile.Read(ref _seq);

        public ValueTask WaitAsync(int seen, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _failed) is { } failed)
            {
                return ValueTask.FromException(failed);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref _seq) != seen)
            {
                return default;
            }

            _core.Reset();
            _token = cancellationToken;
            Interlocked.Exchange(ref _waiting, 1);
            if ((Volatile.Read(ref _seq) != seen || Volatile.Read(ref _failed) is not null) && Interlocked.Exchange(ref _waiting, 0) == 1)
            {
                // An event (or the close) came between the caller's try and the registration: no wait.
                return Volatile.Read(ref _failed) is { } now ? ValueTask.FromException(now) : default;
            }

            if (cancellationToken.CanBeCanceled)
            {
                _cancel = cancellationToken.UnsafeRegister(static s => ((Readiness)s!).Cancel(), this);
            }

            return new ValueTask(this, _core.Version);
        }

        /// <summary>An event: the count moves on and a waiter, if any, goes on here and now.</summary>
        public void Signal()
        {
            Interlocked.Increment(ref _seq);
            if (Interlocked.Exchange(ref _waiting, 0) == 1)
            {
                _core.SetResult(true);
            }
        }

        /// <summary>For good: this and every later wait fails with <paramref name="error"/>.</summary>
        public void Fail(Exception error)
        {
            Interlocked.CompareExchange(ref _failed, error, null);
            Interlocked.Increment(ref _seq);
            if (Interlocked.Exchange(ref _waiting, 0) == 1)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static s => s.Self._core.SetException(s.Error), (Self: this, Error: error), preferLocal: false);
            }
        }

        private void Cancel()
        {
            if (Interlocked.Exchange(ref _waiting, 0) == 1)
            {
                _core.SetException(new OperationCanceledException(_token));
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        public void GetResult(short token)
        {
            _cancel.Dispose();
            _cancel = default;
            _core.GetResult(token);
        }
    }
}
