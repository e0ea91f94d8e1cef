namespace SocketIo.Server;

/// <summary>
/// Marks an interface as an event contract, so that the SocketIoNet source generator writes its emitters and handler
/// registration even where no <c>Emitter&lt;T&gt;()</c> or <c>Handle&lt;T&gt;(…)</c> call names it (a contract used only
/// through generic code, or from another assembly). A contract named in such a call needs no attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class SocketIoContractAttribute : Attribute
{
}
