namespace System.Runtime.CompilerServices;

/// <summary>Records and init accessors on netstandard2.0 (the compiler looks for this type by name).</summary>
internal static class IsExternalInit
{
}
