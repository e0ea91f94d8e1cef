using System.Text;
using NUnit.Framework;
using SocketIo.Server.EngineIo.Transports;

namespace SocketIo.Tests.EngineIo;

/// <summary>JSONP framing as engine.io's polling-jsonp.ts does it (the exchange itself: interop-tests/jsonp.test.mjs).</summary>
[TestFixture]
public sealed class JsonpPollingTests
{
    [TestCase("3", "___eio[3](")]
    [TestCase("1a2", "___eio[12](")]
    [TestCase("", "___eio[](")]
    public void TheHead_KeepsTheDigitsOfJ(string j, string head) => Assert.That(JsonpPolling.HeadFor(j), Is.EqualTo(head));

    [Test]
    public void NoJ_IsPlainPolling() => Assert.That(JsonpPolling.HeadFor(null), Is.Null);

    [Test]
    public void Wrap_WritesTheJsStringLiteralJsonStringifyWrites_WithU2028And2029Escaped()
    {
        var wrapped = Encoding.UTF8.GetString(JsonpPolling.Wrap("___eio[0](", Encoding.UTF8.GetBytes("4\"\\\n\r\t\b\f\u001e\u2028\u2029é")));
        Assert.That(wrapped, Is.EqualTo("___eio[0](\"4\\\"\\\\\\n\\r\\t\\b\\f\\u001e\\u2028\\u2029é\");"));
    }

    [TestCase("d=4hello", "4hello")]
    [TestCase("d=4a%20b+c", "4a b c")]
    [TestCase("d=4a\\nb", "4a\nb")]
    [TestCase("d=4a\\\\nb", "4a\\nb")]
    [TestCase("x=1&d=4y", "4y")]
    [TestCase("d=4%zz", "4%zz")]
    [TestCase("d=", "")]
    public void Unwrap_ReadsTheDField_AndUndoesTheClientsEscaping(string form, string payload) =>
        Assert.That(Encoding.UTF8.GetString(JsonpPolling.Unwrap(Encoding.UTF8.GetBytes(form))!), Is.EqualTo(payload));

    [TestCase("")]
    [TestCase("x=1")]
    [TestCase("d=1&d=2")]
    public void Unwrap_WithoutExactlyOneDField_IsNoPayload(string form) =>
        Assert.That(JsonpPolling.Unwrap(Encoding.UTF8.GetBytes(form)), Is.Null);
}
