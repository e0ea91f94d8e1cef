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

    /// <summary>Shared by every layer (the meter, log throttling); references nothing of theirs.</summary>
    private const string Diagnostics = "SocketIo.Server.Diagnostics";

    private static readonly Assembly ServerAssembly = typeof(SocketIoServer).Assembly;
    private static readonly Assembly RedisAssembly = typeof(SocketIo.Redis.RedisAdapter).Assembly;
    private static readonly Assembly ExternalAdaptersAssembly = typeof(SocketIo.Tests.ExternalAdapters.RoomTableAdapter).Assembly;
    private static readonly Assembly DirectWebSocketsAssembly = typeof(Microsoft.AspNetCore.Hosting.DirectWebSocketsListenOptionsExtensions).Assembly;
    private static readonly Assembly AdminUiAssembly = typeof(SocketIo.AdminUi.AdminUiOptions).Assembly;
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

        // AddSocketIo, MapSocketIo and their kin live in ASP.NET Core's namespaces (the SignalR convention): Hosting.
        if (ns.StartsWith("Microsoft.", StringComparison.Ordinal))
        {
            return Hosting;
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
    [TestCase(Root, new[] { Hosting }, TestName = "The server object model does not reference Hosting")]
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
        "ConnectionStateRecoveryOptions",
        "DisconnectReason",
        "DisconnectReasons",
        "EventArguments",
        "InvalidMessage",
        "ParentBroadcastOperator",
        "ParentNamespace",
        "RemoteSocket",
        "RemoteSocketEmitter",
        "ServerSideEvent",
        "SocketEmitter",
        "SocketIoAck",
        "SocketIoClient",
        "SocketIoClusterUnavailableException",
        "SocketIoContractAttribute",
        "SocketIoContracts",
        "SocketIoEvent",
        "SocketIoEventNameAttribute",
        "SocketIoHandshake",
        "SocketIoHandshakeRequest",
        "SocketIoNamespace",
        "SocketIoOptions",
        "SocketIoParser",
        "SocketIoServer",
        "SocketIoSocket",
        "SocketIoTimeoutException",
    ];

    /// <summary>
    /// The public types of EngineIo (and its sub-namespaces): the standalone Engine.IO API (MapEngineIo, a handler,
    /// sessions that send text and binary), its options and errors, and the read-only view behind <c>socket.Conn</c>
    /// with what its packet events show of a packet (<c>EngineIoPacketInfo</c>) and what it shows of its transport
    /// (<c>EngineIoTransportInfo</c>). Packets, codecs, transports and ids are internal.
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
        "EngineIoPacketInfo",
        "EngineIoReadyState",
        "EngineIoRequest",
        "EngineIoServer",
        "EngineIoSocket",
        "EngineIoTransportInfo",
        "EngineMessage",
        "IEngineIoEventLoop", "IEngineIoIdleWaitWebSocket", "IEngineIoSharedFrameWebSocket",
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
    public void TheCore_DoesNotReferenceTheLeanWebSocketEngine()
    {
        // Transport engines are packages of their own (STYLE.md): the core serves WebSockets through ASP.NET Core.
        var name = DirectWebSocketsAssembly.GetName().Name!;
        Assert.That(ServerAssembly.GetReferencedAssemblies().Select(a => a.Name), Does.Not.Contain(name));
        Assert.That(ServerAssembly.GetTypes().Select(t => t.Namespace), Has.None.StartsWith(name));
        Assert.That(
            ServerAssembly.GetTypes().Where(t => typeof(Microsoft.AspNetCore.Connections.IConnectionListenerFactory).IsAssignableFrom(t)),
            Is.Empty,
            "Kestrel transports belong to an engine package");
    }

    private static readonly string[] DirectWebSocketsOptIns =
    [
        "Microsoft.AspNetCore.Hosting.DirectWebSocketsListenOptionsExtensions",
        "Microsoft.Extensions.DependencyInjection.SocketIoDirectWebSocketsBuilderExtensions",
        "SocketIo.DirectWebSockets.DirectWebSocketsOptions", // what AddDirectWebSockets(o => …) configures
    ];

    [Test]
    public void TheLeanWebSocketEngine_ShowsOnlyItsOptIns()
    {
        Assert.That(
            DirectWebSocketsAssembly.GetExportedTypes().Select(t => t.FullName),
            Is.EquivalentTo(DirectWebSocketsOptIns));
    }

    private static readonly string[] AdminUiPublicTypes =
    [
        "SocketIo.AdminUi.AdminUiAuth",
        "SocketIo.AdminUi.AdminUiMode",
        "SocketIo.AdminUi.AdminUiOptions",
        "SocketIo.AdminUi.AdminUiStore",
        "SocketIo.AdminUi.InMemoryAdminUiStore",
        "SocketIo.AdminUi.RedisAdminUiStore",
        "SocketIo.Server.AdminUiSocketIoServerExtensions",
        "Microsoft.Extensions.DependencyInjection.AdminUiSocketIoBuilderExtensions",
        "Microsoft.AspNetCore.Builder.AdminUiApplicationBuilderExtensions",
    ];

    [Test]
    public void TheAdminUi_ShowsOnlyItsOptionsAndOptIns()
    {
        Assert.That(AdminUiAssembly.GetExportedTypes().Select(t => t.FullName), Is.EquivalentTo(AdminUiPublicTypes));
    }

    [Test]
    public void ExtensionMethods_LiveWhereAspNetCoreKeepsItsOwn()
    {
        // The SignalR convention for extensions of the host's types (services, the Socket.IO builder, endpoints, Kestrel
        // endpoints): AddSocketIo beside AddSignalR, MapSocketIo beside MapHub, UseDirectWebSockets beside UseHttps, so
        // that Program.cs needs no extra using.
        string[] homes = ["Microsoft.Extensions.DependencyInjection", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting"];
        var misplaced = new[] { ServerAssembly, RedisAssembly, DirectWebSocketsAssembly, AdminUiAssembly }
            .SelectMany(a => a.GetExportedTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute), inherit: false))
            .Where(m => m.GetParameters()[0].ParameterType.Namespace?.StartsWith("Microsoft.", StringComparison.Ordinal) == true)
            .Where(m => !homes.Contains(m.DeclaringType!.Namespace))
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}")
            .Distinct()
            .ToList();
        Assert.That(misplaced, Is.Empty);
    }

    [TestCase("SocketIo.Redis", TestName = "Redis uses only the public surface of the server")]
    [TestCase("SocketIo.DirectWebSockets", TestName = "The lean WebSocket engine uses only the public surface of the server")]
    [TestCase("SocketIo.Tests.ExternalAdapters", TestName = "The external test adapters use only the public surface of the server")]
    [TestCase("SocketIo.AdminUi", TestName = "The admin UI uses only the public surface of the server")]
    public void APackage_UsesOnlyThePublicSurfaceOfTheServer(string package)
    {
        var assembly = new[] { RedisAssembly, DirectWebSocketsAssembly, ExternalAdaptersAssembly, AdminUiAssembly }.Single(a => a.GetName().Name == package);
        var violations = new List<string>();
        foreach (var type in assembly.GetTypes())
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

    /// <summary>
    /// What the adapters may use of the rest of the server: the port's own types live in Adapters; beyond them, the
    /// packet type, the handshake they report, the exceptions they throw. No socket, namespace, client or engine type.
    /// </summary>
    private static readonly HashSet<string> AdapterAllowedOutside =
    [
        "SocketIo.Server.SocketIoHandshake",
        "SocketIo.Server.SocketIoTimeoutException",
        "SocketIo.Server.SocketIoClusterUnavailableException",
    ];

    /// <summary>The one adapter type that touches the engine: it carries the frames encoded once for every session.</summary>
    private static readonly HashSet<string> AdapterEncodedPacketUses =
    [
        "SocketIo.Server.SocketIoWire",
        "SocketIo.Server.SocketIoParser",
        "SocketIo.Server.EngineIo.EnginePacket",
    ];

    [Test]
    public void Adapters_UseOnlyThePort_NeverASocketANamespaceOrTheEngine()
    {
        var violations = ServerAssembly.GetTypes()
            .Where(t => LayerOf(t) == Adapters)
            .SelectMany(t => References(t).Select(r => (From: t, r.Site, r.Type)))
            .Where(r => r.Type.Assembly == ServerAssembly && LayerOf(r.Type) is not (Adapters or Protocol) && r.Type.Namespace != Diagnostics && !AdapterAllowedOutside.Contains(r.Type.FullName!))
            .Where(r => !(OuterType(r.From).FullName == "SocketIo.Server.Adapters.OutgoingPacket" && AdapterEncodedPacketUses.Contains(r.Type.FullName!)))
            .Select(r => $"{r.From.FullName} ({r.Site}) → {r.Type.FullName}")
            .Distinct()
            .ToList();

        Assert.That(violations, Is.Empty);
    }

    private static readonly string[] PortTypesOutsideAdapters = ["SocketIo.Server.Protocol.SocketIoPacket"];

    /// <summary>
    /// The public types of the layers adapter authors use. The codec (encoder, decoder, JSON writer and reader) is
    /// internal; what an adapter needs is in Adapters, the one namespace for adapter authors. A new public type here
    /// is a decision: add it to the list on purpose.
    /// </summary>
    private static readonly string[] PublicProtocolAndAdapterTypes =
    [
        "SocketIo.Server.Protocol.EncodedMessage",
        "SocketIo.Server.Protocol.ISocketIoPacketDecoder",
        "SocketIo.Server.Protocol.SocketIoPacket",
        "SocketIo.Server.Protocol.SocketIoPacketType",
        "SocketIo.Server.Protocol.SocketIoProtocolException",
        "SocketIo.Server.Adapters.AckResponse",
        "SocketIo.Server.Adapters.AckResponses",
        "SocketIo.Server.Adapters.AckStatus",
        "SocketIo.Server.Adapters.BroadcastFlags",
        "SocketIo.Server.Adapters.BroadcastOptions",
        "SocketIo.Server.Adapters.ClusterAdapter",
        "SocketIo.Server.Adapters.ClusterAdapterOptions",
        "SocketIo.Server.Adapters.ClusterAdapterWithHeartbeat",
        "SocketIo.Server.Adapters.ClusterAdapterWithHeartbeatOptions",
        "SocketIo.Server.Adapters.ClusterFormats",
        "SocketIo.Server.Adapters.ClusterMessage",
        "SocketIo.Server.Adapters.ClusterMessageType",
        "SocketIo.Server.Adapters.ClusterMessages",
        "SocketIo.Server.Adapters.IAdapterMetrics",
        "SocketIo.Server.Adapters.IAdapterNamespace",
        "SocketIo.Server.Adapters.InMemoryAdapter",
        "SocketIo.Server.Adapters.JsJson",
        "SocketIo.Server.Adapters.Notepack",
        "SocketIo.Server.Adapters.OutgoingPacket",
        "SocketIo.Server.Adapters.PersistedSession",
        "SocketIo.Server.Adapters.RestoredSession",
        "SocketIo.Server.Adapters.RoomEventArgs",
        "SocketIo.Server.Adapters.SendReport",
        "SocketIo.Server.Adapters.SessionAwareAdapter",
        "SocketIo.Server.Adapters.SocketDetails",
        "SocketIo.Server.Adapters.SocketIoAdapter",
    ];

    [Test]
    public void TheProtocolAndAdapterLayers_ShowOnlyTheApprovedPublicTypes()
    {
        var visible = ServerAssembly.GetExportedTypes()
            .Where(t => LayerOf(t) is Protocol or Adapters)
            .Select(t => t.FullName!)
            .Order(StringComparer.Ordinal);

        Assert.That(visible, Is.EqualTo(PublicProtocolAndAdapterTypes.Order(StringComparer.Ordinal)));
    }

    [Test]
    public void ThePort_SpeaksInIdsAndEncodedPackets_NotInSockets()
    {
        var port = typeof(SocketIo.Server.Adapters.IAdapterNamespace);
        var named = port.GetMethods().SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType))
            .Concat(port.GetProperties().Select(p => p.PropertyType))
            .SelectMany(Flatten)
            .Where(t => t.Assembly == ServerAssembly)
            .Select(t => t.FullName!)
            .Distinct()
            .ToList();

        Assert.That(named, Has.None.EqualTo(typeof(SocketIoSocket).FullName).And.None.EqualTo(typeof(SocketIoNamespace).FullName));
        Assert.That(named.Where(n => !n.StartsWith(Adapters + ".", StringComparison.Ordinal)), Is.EquivalentTo(PortTypesOutsideAdapters));
    }

    private static Type OuterType(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
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
