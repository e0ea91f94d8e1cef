using Newtonsoft.Json.Linq;
using SocketIo.Server.EngineIo;

namespace SocketIo.Server;

/// <summary>What a dynamic namespace predicate sees of a connection attempt (Node: the <c>(name, auth, next)</c> arguments).</summary>
/// <param name="Request">The HTTP request that opened the connection.</param>
/// <param name="Auth">The CONNECT packet's auth payload.</param>
public sealed record SocketIoHandshakeRequest(EngineIoRequest Request, JObject Auth);
