using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Generators;

namespace SocketIo.Tests.Generators;

/// <summary>
/// The contract generator run on source strings (CSharpGeneratorDriver): what it writes compiles without a warning under
/// nullable and warnings-as-errors, and a contract it cannot implement is a build error, not a run-time surprise.
/// </summary>
[TestFixture]
public sealed class ContractGeneratorTests
{
    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Select(p => MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(SocketIoSocket).Assembly.Location),
    ];

    private const string Usings = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using SocketIo.Server;

        """;

    private static (ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> Compiler, ImmutableArray<string> Sources) Run(string source)
    {
        var compilation = CSharpCompilation.Create(
            "Contracts",
            [CSharpSyntaxTree.ParseText(Usings + source, new CSharpParseOptions(LanguageVersion.Latest), path: "Contracts.cs")],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new ContractGenerator());
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var sources = driver.GetRunResult().GeneratedTrees.Select(t => t.ToString()).ToImmutableArray();
        return (diagnostics, output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray(), sources);
    }

    [Test]
    public void AValidContract_GetsCodeThatCompilesWithoutAWarning()
    {
        var (generator, compiler, sources) = Run("""
            public sealed record Msg(string Text);
            public interface IEvents { Task Message(Msg m); [SocketIoEventName("user-joined")] ValueTask UserJoinedAsync(string? name); }
            public interface IClient : IEvents { Task<Msg?> Ask(string q, CancellationToken ct); ValueTask<int> Count(); }
            public interface IRoom : IEvents { Task<IReadOnlyList<Msg>> Ask(string q); }
            public interface IServer { Task Send(Msg m); Task<Msg> Echo(Msg m); ValueTask<string> Ping(); Task<int> Add(int a, int b); Task Two(string a, byte[] b); }
            [SocketIoContract] internal interface IMarked { Task Hello(); }
            public static class Use
            {
                public static void Run(SocketIoSocket s, BroadcastOperator room, IServer handlers)
                {
                    _ = s.Emitter<IClient>();
                    _ = room.Emitter<IRoom>();
                    _ = s.Handle<IServer>(handlers);
                }
            }
            """);

        Assert.That(generator, Is.Empty);
        Assert.That(compiler, Is.Empty, string.Join("\n", sources));
        Assert.That(sources, Has.Length.EqualTo(4));
        Assert.That(string.Join("\n", sources), Does.Contain("EmitAsync(\"user-joined\"").And.Contain("EmitWithAckAsync<global::Msg>(\"ask\"").And.Contain("socket.On<int, int>(\"add\""));
    }

    [TestCase("void Hello();", "SIO001", TestName = "A method returning void is refused (SIO001)")]
    [TestCase("string Hello();", "SIO001", TestName = "A method returning a value is refused (SIO001)")]
    [TestCase("Task Hello(ref int a);", "SIO002", TestName = "A ref parameter is refused (SIO002)")]
    [TestCase("Task Hello(out int a);", "SIO002", TestName = "An out parameter is refused (SIO002)")]
    [TestCase("Task Hello(params int[] a);", "SIO002", TestName = "A params parameter is refused (SIO002)")]
    [TestCase("Task Hello(CancellationToken ct, int a);", "SIO002", TestName = "A CancellationToken that is not last is refused (SIO002)")]
    [TestCase("Task Hello(int a); Task Hello(string a);", "SIO003", TestName = "Overloads (one event name) are refused (SIO003)")]
    [TestCase("Task Hello(); [SocketIoEventName(\"hello\")] Task Other();", "SIO003", TestName = "Two methods named to one event are refused (SIO003)")]
    [TestCase("int Count { get; }", "SIO004", TestName = "A property is refused (SIO004)")]
    [TestCase("Task Hello<T>(T a);", "SIO004", TestName = "A generic method is refused (SIO004)")]
    [TestCase("Task Disconnect();", "SIO005", TestName = "A reserved event name is refused (SIO005)")]
    public void AnUnsupportedShape_IsABuildError(string members, string id)
    {
        var (generator, _, sources) = Run("public interface IBad { " + members + " }\n" +
            "public static class Use { public static object Run(SocketIoSocket s) => s.Emitter<IBad>(); }");

        Assert.That(generator.Select(d => (d.Id, d.Severity)), Is.EqualTo(new[] { (id, DiagnosticSeverity.Error) }));
        Assert.That(generator[0].Location.GetLineSpan().Path, Is.EqualTo("Contracts.cs"), "reported on the contract's source");
        Assert.That(sources, Is.Empty, "nothing is generated for a contract it cannot implement");
    }

    [TestCase("Task<string> Ask();", "room.Emitter<IBad>()", "SIO007", TestName = "A socket contract's ack is refused on a broadcast (SIO007)")]
    [TestCase("Task Add(int a, int b, int c);", "s.Handle<IBad>(null!)", "SIO008", TestName = "A handled method of three arguments is refused (SIO008)")]
    [TestCase("Task Add(int a, CancellationToken ct);", "s.Handle<IBad>(null!)", "SIO008", TestName = "A handled method with a CancellationToken is refused (SIO008)")]
    [TestCase("Task Hello();", "s.Handle(new Impl())", "SIO006", TestName = "Handle of a class (the type argument inferred) is refused (SIO006)")]
    [TestCase("Task Hello();", "s.Emitter<Outer.IHidden>()", "SIO006", TestName = "A private interface is refused (SIO006)")]
    public void AContractUsedWhereItsShapeDoesNotFit_IsABuildErrorAtTheUse(string members, string use, string id)
    {
        var (generator, _, _) = Run("public interface IBad { " + members + " }\n" +
            "public sealed class Impl : IBad { " + (members.StartsWith("Task Hello", StringComparison.Ordinal) ? "public Task Hello() => Task.CompletedTask;" : "") + " }\n" +
            "public static class Outer { private interface IHidden { Task Hello(); } public static object Run(SocketIoSocket s, BroadcastOperator room) => " + use + "; }");

        Assert.That(generator.Select(d => (d.Id, d.Severity)), Is.EqualTo(new[] { (id, DiagnosticSeverity.Error) }));
        Assert.That(generator[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), Does.Contain(id == "SIO006" ? "cannot be an event contract" : "Ask").Or.Contain("Add"));
    }

    [TestCase("Message", "message")]
    [TestCase("SendMessageAsync", "sendMessage")]
    [TestCase("URLChanged", "urlChanged")]
    [TestCase("IO", "io")]
    [TestCase("already", "already")]
    public void EventNames_AreTheMethodNamesInCamelCase_WithoutAsync(string method, string eventName)
    {
        var (_, _, sources) = Run($"[SocketIoContract] public interface IEvents {{ Task {method}(); }}");

        Assert.That(sources.Single(), Does.Contain($"EmitAsync(\"{eventName}\""));
    }
}
