namespace SocketIo.Server;

/// <summary>
/// A registered listener that stands for a user's one-shot listener (Node: EventEmitter's <c>once</c> wrapper, whose
/// <c>listener</c> property is the user's function): <c>Off</c> given the user's delegate removes the wrapper, and
/// <c>Listeners</c> lists the user's delegate, not the wrapper.
/// </summary>
internal interface IOnceListener
{
    /// <summary>The user's delegate.</summary>
    Delegate Original { get; }
}

/// <summary>How registered delegates are matched and listed, once wrappers included.</summary>
internal static class ListenerMatch
{
    /// <summary>Whether <paramref name="registered"/> is <paramref name="wanted"/>, or a once wrapper of it; null matches everything.</summary>
    public static bool Matches(Delegate registered, Delegate? wanted) =>
        wanted is null || registered == wanted || (registered.Target is IOnceListener once && once.Original == wanted);

    /// <summary>The user's delegate behind <paramref name="registered"/>.</summary>
    public static T Unwrap<T>(T registered)
        where T : Delegate => registered.Target is IOnceListener once ? (T)once.Original : registered;
}

/// <summary>A one-shot listener of one argument: removed, then called, the first time it fires; never again.</summary>
internal sealed class OnceListener<TArg> : IOnceListener
{
    private readonly Func<TArg, ValueTask> _listener;
    private readonly Action<Func<TArg, ValueTask>> _remove;
    private int _fired;

    public OnceListener(Func<TArg, ValueTask> listener, Action<Func<TArg, ValueTask>> remove)
    {
        _listener = listener;
        _remove = remove;
        Handler = Invoke;
    }

    /// <summary>The delegate to register.</summary>
    public Func<TArg, ValueTask> Handler { get; }

    public Delegate Original => _listener;

    private ValueTask Invoke(TArg arg)
    {
        // Two dispatches racing (two namespaces' connections on two threads) call it once between them.
        if (Interlocked.Exchange(ref _fired, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _remove(Handler);
        return _listener(arg);
    }
}

/// <summary>A one-shot connection handler (socket, disconnect token): removed, then called, the first time.</summary>
internal sealed class OnceConnectionListener : IOnceListener
{
    private readonly Func<SocketIoSocket, CancellationToken, ValueTask> _listener;
    private readonly Action<Func<SocketIoSocket, CancellationToken, ValueTask>> _remove;
    private int _fired;

    public OnceConnectionListener(Func<SocketIoSocket, CancellationToken, ValueTask> listener, Action<Func<SocketIoSocket, CancellationToken, ValueTask>> remove)
    {
        _listener = listener;
        _remove = remove;
        Handler = Invoke;
    }

    /// <summary>The delegate to register.</summary>
    public Func<SocketIoSocket, CancellationToken, ValueTask> Handler { get; }

    public Delegate Original => _listener;

    private ValueTask Invoke(SocketIoSocket socket, CancellationToken disconnected)
    {
        if (Interlocked.Exchange(ref _fired, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _remove(Handler);
        return _listener(socket, disconnected);
    }
}
