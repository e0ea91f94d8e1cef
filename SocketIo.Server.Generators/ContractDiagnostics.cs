using Microsoft.CodeAnalysis;

namespace SocketIo.Server.Generators;

/// <summary>What the generator refuses, as build errors: a contract it cannot implement never compiles.</summary>
internal static class ContractDiagnostics
{
    private const string Category = "SocketIo.Contracts";

    public static readonly DiagnosticDescriptor UnsupportedReturn = new(
        "SIO001",
        "Unsupported contract method return type",
        "Contract method '{0}' returns '{1}': a contract method returns Task or ValueTask (an emit), or Task<T> or ValueTask<T> (an emit with an acknowledgement)",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedParameter = new(
        "SIO002",
        "Unsupported contract method parameter",
        "Parameter '{0}' of contract method '{1}' is {2}: contract arguments are passed by value (no ref, out, in or params), and a CancellationToken comes last",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateEventName = new(
        "SIO003",
        "Two contract methods with one event name",
        "Contract methods '{0}' and '{1}' both map to the event '{2}': give one a [SocketIoEventName] of its own (overloads are not supported)",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedMember = new(
        "SIO004",
        "Unsupported contract member",
        "'{0}' cannot be a member of a contract ({1}): a contract is an interface of non-generic instance methods",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ReservedEventName = new(
        "SIO005",
        "Reserved event name",
        "Contract method '{0}' maps to the reserved event name '{1}', which Socket.IO does not let an application emit",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotAContract = new(
        "SIO006",
        "Not a contract",
        "'{0}' cannot be an event contract: {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor BroadcastAck = new(
        "SIO007",
        "Acknowledgement of a broadcast contract",
        "'{0}' cannot be a broadcast contract: method '{1}' returns '{2}', but a broadcast collects one acknowledgement per client; declare it returning Task<IReadOnlyList<T>> in a broadcast interface",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor HandlerShape = new(
        "SIO008",
        "Unsupported handler contract method",
        "'{0}' cannot be handled: method '{1}' {2}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "SIO001" => UnsupportedReturn,
        "SIO002" => UnsupportedParameter,
        "SIO003" => DuplicateEventName,
        "SIO004" => UnsupportedMember,
        "SIO005" => ReservedEventName,
        "SIO006" => NotAContract,
        "SIO007" => BroadcastAck,
        _ => HandlerShape,
    };
}
