using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace SocketIo.Server;

/// <summary>
/// Where the code that the SocketIoNet source generator writes for each event contract registers itself, once, from a
/// module initializer. Not for hand-written code: use <see cref="SocketIoSocket.Emitter{T}"/>,
/// <see cref="BroadcastOperator.Emitter{T}"/> and <see cref="SocketIoSocket.Handle{T}"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SocketIoContracts
{
    /// <summary>Registers the generated emitter of <typeparamref name="T"/> for one socket.</summary>
    public static void RegisterSocketEmitter<T>(Func<SocketEmitter, T> factory)
        where T : class => Cache<T>.Socket ??= factory;

    /// <summary>Registers the generated emitter of <typeparamref name="T"/> for a broadcast.</summary>
    public static void RegisterBroadcastEmitter<T>(Func<BroadcastOperator, T> factory)
        where T : class => Cache<T>.Broadcast ??= factory;

    /// <summary>Registers the generated handler registration of <typeparamref name="T"/>.</summary>
    public static void RegisterHandlers<T>(Action<SocketIoSocket, T> register)
        where T : class => Cache<T>.Handlers ??= register;

    internal static T SocketEmitter<T>(SocketEmitter emitter)
        where T : class => (Cache<T>.Socket ?? Load(ref Cache<T>.Socket, typeof(T), "socket emitter"))(emitter);

    internal static T BroadcastEmitter<T>(BroadcastOperator target)
        where T : class => (Cache<T>.Broadcast ?? Load(ref Cache<T>.Broadcast, typeof(T), "broadcast emitter"))(target);

    internal static void Handle<T>(SocketIoSocket socket, T handlers)
        where T : class => (Cache<T>.Handlers ?? Load(ref Cache<T>.Handlers, typeof(T), "handler registration"))(socket, handlers);

    private static TFactory Load<TFactory>(ref TFactory? slot, Type contract, string what)
        where TFactory : class
    {
        if (!contract.IsInterface)
        {
            throw new ArgumentException($"{contract} is not an interface: a contract is an interface of event methods.", nameof(contract));
        }

        // The registration is a module initializer of the assembly that was compiled with the contract's use; it has
        // run when that assembly called us. A contract marked [SocketIoContract] in an assembly not yet touched is the
        // exception: run that module's initializers (once, then the cache answers).
        RuntimeHelpers.RunModuleConstructor(contract.Module.ModuleHandle);
        return slot ?? throw new InvalidOperationException(
            $"No generated {what} for {contract}. The SocketIoNet source generator writes it for interfaces named in " +
            "Emitter<T>() or Handle<T>(…) calls and for interfaces marked [SocketIoContract]; a build warning or error " +
            "(SIO0xx) says why it could not.");
    }

    /// <summary>One slot per contract and kind: a static field read, no lookup, per call.</summary>
    private static class Cache<T>
    {
        public static Func<SocketEmitter, T>? Socket;
        public static Func<BroadcastOperator, T>? Broadcast;
        public static Action<SocketIoSocket, T>? Handlers;
    }
}
