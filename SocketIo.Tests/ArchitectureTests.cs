using System.Reflection;
using System.Reflection.Emit;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests;

/// <summary>
/// Keeps the layers' arrows pointing one way (STYLE.md "The house"): every type's signatures, attributes,
/// locals and method bodies (IL scanned for type, field and method tokens) are checked against the rules.
/// Nested and compiler-generated types (closures, async state machines) belong to their outer type's namespace,
/// so lambdas and async methods are covered too.
/// </summary>
[TestFixture]
public sealed class ArchitectureTests
{
    private const string Root = "SocketIo.Server";
    private const string EngineIo = "SocketIo.Server.EngineIo";
    private const string Protocol = "SocketIo.Server.Protocol";
    private const string Adapters = "SocketIo.Server.Adapters";
    private const string Hosting = "SocketIo.Server.Hosting";

    private static readonly Assembly ServerAssembly = typeof(SocketIoServer).Assembly;
    private static readonly Assembly RedisAssembly = typeof(SocketIo.Redis.RedisAdapter).Assembly;
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The layer of a namespace of the server assembly, or null for anything else.</summary>
    private static string? LayerOf(Type type)
    {
        if (type.Assembly != ServerAssembly || type.Namespace is not { } ns)
        {
            return null;
        }

        foreach (var layer in new[] { EngineIo, Protocol, Adapters, Hosting })
        {
            if (ns == layer || ns.StartsWith(layer + ".", StringComparison.Ordinal))
            {
                return layer;
            }
        }

        return ns == Root ? Root : null;
    }

    [TestCase(EngineIo, new[] { Root, Protocol, Adapters, Hosting }, TestName = "EngineIo references no Socket.IO layer")]
    [TestCase(Protocol, new[] { Root, EngineIo, Adapters, Hosting }, TestName = "Protocol is pure: it references no other layer")]
    [TestCase(Adapters, new[] { Hosting }, TestName = "Adapters do not reference Hosting")]
    public void ALayer_ReferencesNoForbiddenLayer(string layer, string[] forbidden)
    {
        var types = ServerAssembly.GetTypes().Where(t => LayerOf(t) == layer).ToList();
        Assert.That(types, Is.Not.Empty, $"no type in {layer}");

        var violations = types
            .SelectMany(t => References(t).Select(r => (From: t, r.Site, r.Type)))
            .Where(r => LayerOf(r.Type) is { } target && forbidden.Contains(target))
            .Select(r => $"{r.From.FullName} ({r.Site}) → {r.Type.FullName}")
            .Distinct()
            .ToList();

        Assert.That(violations, Is.Empty);
    }

    /// <summary>
    /// The public types of the root namespace: what a Socket.IO user works with. Codecs, wire DTOs and helpers are
    /// internal (STYLE.md "What IntelliSense shows is the product"): a new entry here is a decision, not an accident.
    /// </summary>
    private static readonly string[] PublicRootTypes =
    [
        "BroadcastOperator",
        "ConnectionRejectedException",
        "DisconnectReason",
        "DisconnectReasons",
        "ParentNamespace",
        "RemoteSocket",
        "ServerSideEvent",
        "SocketEmitter",
        "SocketIoClusterUnavailableException",
        "SocketIoEvent",
        "SocketIoHandshake",
        "SocketIoHandshakeRequest",
        "SocketIoNamespace",
        "SocketIoOptions",
        "SocketIoServer",
        "SocketIoSocket",
        "SocketIoTimeoutException",
    ];

    /// <summary>
    /// The public types of EngineIo (and its sub-namespaces): the standalone Engine.IO API (MapEngineIo, a handler,
    /// sessions that send text and binary), its options and errors, and the read-only view behind <c>socket.Conn</c>.
    /// Packets, codecs, transports and ids are internal.
    /// </summary>
    private static readonly string[] PublicEngineIoTypes =
    [
        "EngineIoCloseReasons",
        "EngineIoConnection",
        "EngineIoConnectionError",
        "EngineIoCookieOptions",
        "EngineIoCorsOptions",
        "EngineIoErrorCode",
        "EngineIoHandler",
        "EngineIoHandler`1",
        "EngineIoOptions",
        "EngineIoReadyState",
        "EngineIoRequest",
        "EngineIoServer",
        "EngineIoSocket",
        "EngineMessage",
    ];

    [TestCase(Root, false, TestName = "The public types of the root namespace are exactly the approved ones")]
    [TestCase(EngineIo, true, TestName = "The public types of EngineIo are exactly the approved ones")]
    public void TheNamespace_ExposesExactlyTheApprovedPublicTypes(string ns, bool withSubNamespaces)
    {
        var approved = ns == Root ? PublicRootTypes : PublicEngineIoTypes;
        var exposed = ServerAssembly.GetExportedTypes()
            .Where(t => t.Namespace == ns || (withSubNamespaces && t.Namespace!.StartsWith(ns + ".", StringComparison.Ordinal)))
            .Select(t => t.FullName![(ns.Length + 1)..])
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.That(exposed, Is.EquivalentTo(approved), "make a new type internal, or approve it in this list");
    }

    [Test]
    public void Redis_UsesOnlyThePublicSurfaceOfTheServer()
    {
        var violations = new List<string>();
        foreach (var type in RedisAssembly.GetTypes())
        {
            foreach (var (site, referenced, member) in References(type))
            {
                if (referenced.Assembly != ServerAssembly)
                {
                    continue;
                }

                if (!referenced.IsVisible)
                {
                    violations.Add($"{type.FullName} ({site}) → non-public type {referenced.FullName}");
                }
                else if (member is not null && !IsPublicSurface(member))
                {
                    violations.Add($"{type.FullName} ({site}) → non-public member {referenced.FullName}.{member.Name}");
                }
            }
        }

        Assert.That(violations.Distinct(), Is.Empty);
    }

    [Test]
    public void TheScanner_SeesReferencesThatOnlyAppearInMethodBodies()
    {
        // SocketIoWire.Encode's signature names packets only; the encoder is called in its body.
        var wire = ServerAssembly.GetType("SocketIo.Server.SocketIoWire", throwOnError: true)!;
        Assert.That(References(wire).Select(r => r.Type), Does.Contain(typeof(SocketIoPacketEncoder)));

        // Lambdas and async methods live in nested compiler-generated types, which the rules scan as well.
        Assert.That(ServerAssembly.GetTypes().Where(t => t.IsNested && t.Name.Contains('<', StringComparison.Ordinal)).Select(LayerOf), Has.Some.EqualTo(Root));
    }

    private static bool IsPublicSurface(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        _ => true,
    };

    /// <summary>Every type <paramref name="type"/> refers to, with where it does, and the member used if any.</summary>
    private static List<(string Site, Type Type, MemberInfo? Member)> References(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<(string Site, Type Type, MemberInfo? Member)>();
        void Add(string site, Type? t, MemberInfo? member = null)
        {
            foreach (var flat in Flatten(t))
            {
                found.Add((site, flat, member));
            }
        }

        Add("base type", type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add("interface", i);
        }

        foreach (var a in type.CustomAttributes)
        {
            Add("attribute", a.AttributeType);
        }

        foreach (var f in type.GetFields(all))
        {
            Add("field " + f.Name, f.FieldType);
        }

        foreach (var p in type.GetProperties(all))
        {
            Add("property " + p.Name, p.PropertyType);
        }

        foreach (var e in type.GetEvents(all))
        {
            Add("event " + e.Name, e.EventHandlerType);
        }

        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            var site = "method " + method.Name;
            if (method is MethodInfo mi)
            {
                Add(site, mi.ReturnType);
            }

            foreach (var p in method.GetParameters())
            {
                Add(site, p.ParameterType);
            }

            foreach (var a in method.CustomAttributes)
            {
                Add(site, a.AttributeType);
            }

            var body = method.GetMethodBody();
            if (body is null)
            {
                continue;
            }

            foreach (var local in body.LocalVariables)
            {
                Add(site, local.LocalType);
            }

            foreach (var member in IlReferences(method, body))
            {
                switch (member)
                {
                    case Type t:
                        Add(site, t);
                        break;
                    case FieldInfo f:
                        Add(site, f.DeclaringType, f);
                        Add(site, f.FieldType);
                        break;
                    case MethodBase m:
                        Add(site, m.DeclaringType, m);
                        if (m is MethodInfo called)
                        {
                            Add(site, called.ReturnType);
                            if (called.IsGenericMethod)
                            {
                                foreach (var arg in called.GetGenericArguments())
                                {
                                    Add(site, arg);
                                }
                            }
                        }

                        foreach (var p in m.GetParameters())
                        {
                            Add(site, p.ParameterType);
                        }

                        break;
                }
            }
        }

        return found;
    }

    /// <summary>The types, fields and methods named by the IL of a method body.</summary>
    private static List<MemberInfo> IlReferences(MethodBase method, MethodBody body)
    {
        var il = body.GetILAsByteArray() ?? [];
        var typeArgs = method.DeclaringType is { IsGenericType: true } dt ? dt.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var members = new List<MemberInfo>();
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[i++]);
            }

            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    var token = BitConverter.ToInt32(il, i);
                    members.Add(method.Module.ResolveMember(token, typeArgs, methodArgs)!);
                    i += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                default:
                    i += 4;
                    break;
            }
        }

        return members;
    }

    /// <summary>A type with its element type and generic arguments, recursively; generic parameters are left out.</summary>
    private static IEnumerable<Type> Flatten(Type? type)
    {
        if (type is null || type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var t in Flatten(type.GetElementType()))
            {
                yield return t;
            }

            yield break;
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            yield return type.GetGenericTypeDefinition();
            foreach (var arg in type.GetGenericArguments())
            {
                foreach (var t in Flatten(arg))
                {
                    yield return t;
                }
            }

            yield break;
        }

        yield return type;
    }
}
