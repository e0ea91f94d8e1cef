using NUnit.Framework;
using SocketIo.Server;

namespace SocketIo.Tests.Server;

/// <summary>The reasons of <c>socket.on("disconnect")</c> map to Node's exact strings (socket.io socket-types.ts).</summary>
[TestFixture]
public sealed class DisconnectReasonTests
{
    [TestCase(DisconnectReason.TransportError, "transport error")]
    [TestCase(DisconnectReason.TransportClose, "transport close")]
    [TestCase(DisconnectReason.ForcedClose, "forced close")]
    [TestCase(DisconnectReason.PingTimeout, "ping timeout")]
    [TestCase(DisconnectReason.ParseError, "parse error")]
    [TestCase(DisconnectReason.ServerShuttingDown, "server shutting down")]
    [TestCase(DisconnectReason.ForcedServerClose, "forced server close")]
    [TestCase(DisconnectReason.ClientNamespaceDisconnect, "client namespace disconnect")]
    [TestCase(DisconnectReason.ServerNamespaceDisconnect, "server namespace disconnect")]
    public void EveryReason_HasNodesText_BothWays(DisconnectReason reason, string text)
    {
        Assert.That(reason.ToWireString(), Is.EqualTo(text));
        Assert.That(DisconnectReasons.FromWireString(text), Is.EqualTo(reason));
    }

    [Test]
    public void EveryEnumValue_IsCovered()
    {
        var texts = Enum.GetValues<DisconnectReason>().Select(r => r.ToWireString()).ToList();
        Assert.That(texts, Is.Unique);
        Assert.That(texts, Has.Count.EqualTo(9));
    }

    [Test]
    public void UnknownText_IsATransportError()
    {
        Assert.That(DisconnectReasons.FromWireString("something else"), Is.EqualTo(DisconnectReason.TransportError));
    }
}
