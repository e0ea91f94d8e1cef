using System.Text;
using NUnit.Framework;
using SocketIo.DirectWebSockets;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// <see cref="EngineRequestLine"/>: which handed-over connections start with a request for the engine path (those get
/// inline pipe scheduling), compared as the admission compares paths: exactly, as sent.
/// </summary>
[TestFixture]
public sealed class EngineRequestLineTests
{
    private static readonly byte[] Prefix = EngineRequestLine.Encode("/socket.io/");

    [TestCase("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")]
    [TestCase("POST /socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1\r\n")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\n")]
    [TestCase("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nUpgrade: websocket\r\n")]
    public void TheEnginePath_IsRecognised(string head) =>
        Assert.That(EngineRequestLine.Targets(Encoding.ASCII.GetBytes(head), Prefix), Is.True);

    [TestCase("GET /socket.io/socket.io.js HTTP/1.1\r\n", TestName = "the client file under the path")]
    [TestCase("GET /socket.io HTTP/1.1\r\n", TestName = "the path without its slash")]
    [TestCase("GET /other/?EIO=4 HTTP/1.1\r\n", TestName = "another path")]
    [TestCase("GET /Socket.IO/?EIO=4 HTTP/1.1\r\n", TestName = "another case")]
    [TestCase("GET /socket.io/", TestName = "a head cut at the prefix")]
    [TestCase("OPTIONS /socket.io/?EIO=4 HTTP/1.1\r\n", TestName = "a preflight")]
    [TestCase("get /socket.io/?EIO=4 HTTP/1.1\r\n", TestName = "a lower-case method")]
    [TestCase("", TestName = "nothing")]
    public void AnythingElse_IsNot(string head) =>
        Assert.That(EngineRequestLine.Targets(Encoding.ASCII.GetBytes(head), Prefix), Is.False);
}
