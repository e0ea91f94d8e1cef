using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SocketIo.Server.Generators;

/// <summary>
/// Implements SocketIoNet event contracts at compile time: for every interface named in <c>Emitter&lt;T&gt;()</c> or
/// <c>Handle&lt;T&gt;(…)</c>, or marked <c>[SocketIoContract]</c>, a typed emitter (socket and broadcast) and a handler
/// registration, registered from a module initializer. Shapes it cannot implement are build errors (SIO001–SIO008).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ContractGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var uses = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, _) => ContractReader.IsCandidate(node), static (c, ct) => ContractReader.FromInvocation(c, ct))
            .Where(static use => use is not null)
            .Collect();
        var marked = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "SocketIo.Server.SocketIoContractAttribute",
                static (node, _) => node is InterfaceDeclarationSyntax,
                static (c, ct) => ContractReader.FromAttribute(c, ct))
            .Collect();
        context.RegisterSourceOutput(uses.Combine(marked), static (spc, all) => Emit(spc, all.Left!, all.Right));
    }

    private static void Emit(SourceProductionContext context, ImmutableArray<ContractUse?> uses, ImmutableArray<ContractUse> marked)
    {
        var reported = new HashSet<DiagnosticInfo>();
        var contracts = new SortedDictionary<string, (ContractModel Model, ContractKinds Kinds)>(StringComparer.Ordinal);
        foreach (var use in uses.Concat(marked))
        {
            if (use is null)
            {
                continue;
            }

            Report(context, reported, use.Diagnostics);
            if (use.Contract is not { } contract)
            {
                continue;
            }

            if (contracts.TryGetValue(contract.FullName, out var known))
            {
                contracts[contract.FullName] = (known.Model, known.Kinds | use.Kinds);
                continue;
            }

            // What is wrong with the interface itself is said once, where the first use saw it.
            Report(context, reported, contract.Diagnostics);
            contracts.Add(contract.FullName, (contract, use.Kinds));
        }

        foreach (var (model, kinds) in contracts.Values)
        {
            if (model.Diagnostics.Count == 0 && kinds != ContractKinds.None)
            {
                context.AddSource(model.ClassName + ".g.cs", ContractSource.Write(model, kinds));
            }
        }
    }

    private static void Report(SourceProductionContext context, HashSet<DiagnosticInfo> reported, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            if (reported.Add(diagnostic))
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        }
    }
}
