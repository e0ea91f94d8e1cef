using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server.Protocol.V4;

namespace SocketIo.Tests.Protocol;

/// <summary>What the Socket.IO v4 protocol of 2.x clients carries (socket.io 4.8.4's <c>conn.protocol === 3</c> branches).</summary>
[TestFixture]
public sealed class LegacyProtocolTests
{
    [Test]
    public void ParseNamespace_TheQueryIsTheAuth_LastRepeatedKeyWins_PlusIsASpace()
    {
        var (nsp, auth) = LegacyProtocol.ParseNamespace("/mw?token=a%20b&x=1&x=2&flag&sp=c+d");

        Assert.That(nsp, Is.EqualTo("/mw"));
        Assert.That(auth.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("""{"token":"a b","x":"2","flag":"","sp":"c d"}"""));
    }

    [Test]
    public void ParseNamespace_WithoutQuery_HasEmptyAuth()
    {
        var (nsp, auth) = LegacyProtocol.ParseNamespace("/custom");
        Assert.That(nsp, Is.EqualTo("/custom"));
        Assert.That(auth, Is.Empty);
    }

    [Test]
    public void ParseNamespace_ABadEscape_IsKeptAsIs()
    {
        Assert.That(LegacyProtocol.ParseNamespace("/a?k=%zz").Auth["k"]!.Value<string>(), Is.EqualTo("%zz"));
    }

    [Test]
    public void SocketId_IsTheEngineIdOnRoot_AndNspHashEngineIdElsewhere()
    {
        Assert.That(LegacyProtocol.SocketId("/", "abc"), Is.EqualTo("abc"));
        Assert.That(LegacyProtocol.SocketId("/custom", "abc"), Is.EqualTo("/custom#abc"));
    }

    [Test]
    public void ConnectErrorData_IsTheDataWhenTruthy_ElseTheMessage()
    {
        Assert.That(LegacyProtocol.ConnectErrorData("no", new JObject { ["reason"] = "x" }).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("""{"reason":"x"}"""));
        Assert.That(LegacyProtocol.ConnectErrorData("no", null).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("\"no\""));
        Assert.That(LegacyProtocol.ConnectErrorData("no", new JValue(0)).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("\"no\""), "err.data || err.message");
        Assert.That(LegacyProtocol.ConnectErrorData("no", new JValue("")).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("\"no\""));
    }
}
