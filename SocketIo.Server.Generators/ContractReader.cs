using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SocketIo.Server.Generators;

/// <summary>Reads contracts from the uses that name them and from [SocketIoContract] interfaces.</summary>
internal static class ContractReader
{
    private const string EventNameAttribute = "SocketIo.Server.SocketIoEventNameAttribute";

    /// <summary>The names socket.ts refuses to emit (RESERVED_EVENTS).</summary>
    private static readonly string[] Reserved = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static bool IsCandidate(SyntaxNode node) =>
        node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Emitter" or "Handle" } };

    public static ContractUse? FromInvocation(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (context.SemanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol { TypeArguments.Length: 1 } method)
        {
            return null;
        }

        var kind = (method.Name, method.ContainingType?.ToDisplayString()) switch
        {
            ("Emitter", "SocketIo.Server.SocketIoSocket" or "SocketIo.Server.SocketEmitter") => ContractKinds.Socket,
            ("Emitter", "SocketIo.Server.BroadcastOperator" or "SocketIo.Server.SocketIoNamespace" or "SocketIo.Server.SocketIoServer") => ContractKinds.Broadcast,
            ("Handle", "SocketIo.Server.SocketIoSocket") => ContractKinds.Handlers,
            _ => ContractKinds.None,
        };
        if (kind == ContractKinds.None)
        {
            return null;
        }

        var name = ((MemberAccessExpressionSyntax)invocation.Expression).Name;
        var at = name is GenericNameSyntax generic ? generic.TypeArgumentList.Arguments[0].GetLocation() : invocation.GetLocation();
        var usage = LocationInfo.From(at);
        var type = method.TypeArguments[0];
        if (type is ITypeParameterSymbol or IErrorTypeSymbol)
        {
            // Generic code: the contract is not known here (mark it [SocketIoContract]); the runtime says so if it is missing.
            return null;
        }

        if (NotAContract(type) is { } why)
        {
            return new ContractUse(null, ContractKinds.None, One(Diagnostic("SIO006", usage, type.ToDisplayString(), why)));
        }

        var contract = Read((INamedTypeSymbol)type, usage);
        var problems = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        CheckKind(contract, kind, usage, problems);
        return new ContractUse(contract, problems.Count == 0 ? kind : ContractKinds.None, new EquatableArray<DiagnosticInfo>(problems.ToImmutable()));
    }

    public static ContractUse FromAttribute(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var at = LocationInfo.From(type.Locations.FirstOrDefault());
        if (NotAContract(type) is { } why)
        {
            return new ContractUse(null, ContractKinds.None, One(Diagnostic("SIO006", at, type.ToDisplayString(), why)));
        }

        var contract = Read(type, at);
        // A marked contract gets every kind its shape allows; a use of a kind it does not allow is refused where it is.
        var kinds = ContractKinds.None;
        foreach (var kind in new[] { ContractKinds.Socket, ContractKinds.Broadcast, ContractKinds.Handlers })
        {
            var problems = ImmutableArray.CreateBuilder<DiagnosticInfo>();
            CheckKind(contract, kind, at, problems);
            if (problems.Count == 0)
            {
                kinds |= kind;
            }
        }

        return new ContractUse(contract, kinds, default);
    }

    private static string? NotAContract(ITypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Interface)
        {
            return "it is not an interface (with Handle, name the contract: Handle<IMyEvents>(handlers))";
        }

        if (type is INamedTypeSymbol { IsGenericType: true })
        {
            return "a generic interface is not supported";
        }

        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
            {
                return "the generated code cannot see it (make it and the types that contain it internal or public)";
            }
        }

        return null;
    }

    private static void CheckKind(ContractModel contract, ContractKinds kind, LocationInfo? at, ImmutableArray<DiagnosticInfo>.Builder problems)
    {
        foreach (var method in contract.Methods)
        {
            if (kind == ContractKinds.Broadcast && method.ResultType is not null && method.ListElementType is null)
            {
                problems.Add(Diagnostic("SIO007", at, contract.FullName, method.DisplayName, method.ReturnType));
            }

            if (kind == ContractKinds.Handlers)
            {
                if (method.CancellationTokenName is not null)
                {
                    problems.Add(Diagnostic("SIO008", at, contract.FullName, method.DisplayName, "takes a CancellationToken, which a received event does not have"));
                }
                else if (method.Parameters.Count > 2)
                {
                    problems.Add(Diagnostic("SIO008", at, contract.FullName, method.DisplayName, "takes more than two arguments (the typed handlers take one or two; read more from the raw event with socket.On)"));
                }
            }
        }
    }

    private static ContractModel Read(INamedTypeSymbol contract, LocationInfo? usage)
    {
        var methods = ImmutableArray.CreateBuilder<MethodModel>();
        var problems = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var type in new[] { contract }.Concat(contract.AllInterfaces))
        {
            foreach (var member in type.GetMembers())
            {
                var at = LocationInfo.From(member.Locations.FirstOrDefault()) ?? usage;
                var display = type.Name + "." + member.Name;
                if (member is IMethodSymbol { MethodKind: not MethodKind.Ordinary } || !member.IsAbstract)
                {
                    // Accessors are reported with their property; implemented (default or static) members need nothing.
                    continue;
                }

                if (member is not IMethodSymbol method)
                {
                    problems.Add(Diagnostic("SIO004", at, display, "a " + member.Kind.ToString().ToLowerInvariant()));
                    continue;
                }

                if (method.IsStatic || method.IsGenericMethod)
                {
                    problems.Add(Diagnostic("SIO004", at, display, method.IsStatic ? "a static abstract method" : "a generic method"));
                    continue;
                }

                if (ReadMethod(method, display, at, problems) is not { } model)
                {
                    continue;
                }

                if (names.TryGetValue(model.EventName, out var other))
                {
                    problems.Add(Diagnostic("SIO003", at, other, display, model.EventName));
                    continue;
                }

                names.Add(model.EventName, display);
                if (Array.IndexOf(Reserved, model.EventName) >= 0)
                {
                    problems.Add(Diagnostic("SIO005", at, display, model.EventName));
                    continue;
                }

                methods.Add(model);
            }
        }

        var fullName = contract.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        var className = "Contract_" + new string(contract.ToDisplayString().Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
        return new ContractModel(fullName, className, new EquatableArray<MethodModel>(methods.ToImmutable()), new EquatableArray<DiagnosticInfo>(problems.ToImmutable()));
    }

    private static MethodModel? ReadMethod(IMethodSymbol method, string display, LocationInfo? at, ImmutableArray<DiagnosticInfo>.Builder problems)
    {
        var ok = true;
        var returnType = method.ReturnType as INamedTypeSymbol;
        var returnName = method.ReturnType.ToDisplayString(TypeFormat);
        var returnKind = returnType?.ConstructedFrom.ToDisplayString();
        var isValueTask = returnKind is "System.Threading.Tasks.ValueTask" or "System.Threading.Tasks.ValueTask<TResult>";
        if (returnKind is not ("System.Threading.Tasks.Task" or "System.Threading.Tasks.Task<TResult>") && !isValueTask)
        {
            problems.Add(Diagnostic("SIO001", at, display, method.ReturnType.ToDisplayString()));
            ok = false;
        }

        var result = returnType is { IsGenericType: true } ? returnType.TypeArguments[0] : null;
        var element = result is INamedTypeSymbol { IsGenericType: true } list && list.ConstructedFrom.ToDisplayString() == "System.Collections.Generic.IReadOnlyList<T>"
            ? list.TypeArguments[0]
            : null;

        var parameters = ImmutableArray.CreateBuilder<ParameterModel>();
        string? cancellationToken = null;
        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var p = method.Parameters[i];
            var isToken = p.Type.ToDisplayString() == "System.Threading.CancellationToken";
            var why = p.RefKind != RefKind.None ? "passed by reference"
                : p.IsParams ? "a params array"
                : isToken && i != method.Parameters.Length - 1 ? "a CancellationToken that is not the last parameter"
                : null;
            if (why is not null)
            {
                problems.Add(Diagnostic("SIO002", LocationInfo.From(p.Locations.FirstOrDefault()) ?? at, p.Name, display, why));
                ok = false;
            }
            else if (isToken)
            {
                cancellationToken = p.Name;
            }
            else
            {
                parameters.Add(new ParameterModel(p.Type.ToDisplayString(TypeFormat), p.Name));
            }
        }

        if (!ok)
        {
            return null;
        }

        return new MethodModel(
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            method.Name,
            display,
            EventNameOf(method),
            isValueTask,
            returnName,
            result?.ToDisplayString(TypeFormat),
            element?.ToDisplayString(TypeFormat),
            new EquatableArray<ParameterModel>(parameters.ToImmutable()),
            cancellationToken);
    }

    /// <summary>The [SocketIoEventName], else the method's name without "Async", camelCased as System.Text.Json's JsonNamingPolicy.CamelCase does.</summary>
    internal static string EventNameOf(IMethodSymbol method)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == EventNameAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string { Length: > 0 } name)
            {
                return name;
            }
        }

        return CamelCase(method.Name.Length > 5 && method.Name.EndsWith("Async", StringComparison.Ordinal) ? method.Name.Substring(0, method.Name.Length - 5) : method.Name);
    }

    internal static string CamelCase(string name)
    {
        if (name.Length == 0 || !char.IsUpper(name[0]))
        {
            return name;
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (i == 1 && !char.IsUpper(chars[i]))
            {
                break;
            }

            // "URLValue" → "urlValue": the last capital of a run starts the next word.
            if (i > 0 && i + 1 < chars.Length && !char.IsUpper(chars[i + 1]))
            {
                break;
            }

            chars[i] = char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    private static DiagnosticInfo Diagnostic(string id, LocationInfo? at, params string[] arguments) =>
        new(id, at, new EquatableArray<string>(ImmutableArray.Create(arguments)));

    private static EquatableArray<DiagnosticInfo> One(DiagnosticInfo diagnostic) => new(ImmutableArray.Create(diagnostic));
}
