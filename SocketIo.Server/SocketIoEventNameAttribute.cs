namespace SocketIo.Server;

/// <summary>
/// The event name of a contract method, when it is not the method's name in camelCase (a contract is an interface
/// used with <c>Emitter&lt;T&gt;()</c> or <c>Handle&lt;T&gt;(…)</c>). Node: the key of a TypeScript events interface,
/// <c>interface ServerToClientEvents { "user-joined": (name: string) =&gt; void }</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class SocketIoEventNameAttribute : Attribute
{
    /// <summary>Names the event of this method.</summary>
    public SocketIoEventNameAttribute(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The event name on the wire.</summary>
    public string Name { get; }
}
