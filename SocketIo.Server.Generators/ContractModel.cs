using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace SocketIo.Server.Generators;

/// <summary>What the generated code needs of one contract interface: strings only, so that models compare by value.</summary>
internal sealed record ContractModel(string FullName, string ClassName, EquatableArray<MethodModel> Methods, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>One contract method. <see cref="ResultType"/> is the T of Task&lt;T&gt;; <see cref="ListElementType"/> its item when T is IReadOnlyList.</summary>
internal sealed record MethodModel(
    string DeclaringType,
    string Name,
    string DisplayName,
    string EventName,
    bool IsValueTask,
    string ReturnType,
    string? ResultType,
    string? ListElementType,
    EquatableArray<ParameterModel> Parameters,
    string? CancellationTokenName);

internal sealed record ParameterModel(string Type, string Name);

/// <summary>A diagnostic, kept as data until it is reported.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic() => Diagnostic.Create(
        ContractDiagnostics.ById(Id),
        Location?.ToLocation(),
        Arguments.Cast<object>().ToArray());
}

internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location) =>
        location is { IsInSource: true } ? new LocationInfo(location.SourceTree!.FilePath, location.SourceSpan, location.GetLineSpan().Span) : null;
}

/// <summary>The kinds of generated code a contract gets.</summary>
[Flags]
internal enum ContractKinds
{
    None = 0,
    Socket = 1,
    Broadcast = 2,
    Handlers = 4,
}

/// <summary>A contract as one use asks for it: the model, the kinds wanted, and what is wrong with this use.</summary>
internal sealed record ContractUse(ContractModel? Contract, ContractKinds Kinds, EquatableArray<DiagnosticInfo> Diagnostics);
