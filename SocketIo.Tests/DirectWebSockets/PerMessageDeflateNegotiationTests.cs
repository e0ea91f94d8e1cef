using NUnit.Framework;
using SocketIo.DirectWebSockets;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// The permessage-deflate negotiation against ws 8's answers with engine.io's options (extension.parse, then
/// PerMessageDeflate.accept and extension.format; the expected values were taken from ws itself). The one intended
/// difference: a server window under 15 bits is declined, as DeflateStream cannot keep to it.
/// </summary>
[TestFixture]
public sealed class PerMessageDeflateNegotiationTests
{
    private const string Invalid = "400";
    private const string None = "(none)";

    [TestCase("permessage-deflate", "permessage-deflate")]
    [TestCase("permessage-deflate; client_max_window_bits", "permessage-deflate")]
    [TestCase("permessage-deflate; client_max_window_bits=10", "permessage-deflate; client_max_window_bits=10")]
    [TestCase("permessage-deflate; server_no_context_takeover; client_no_context_takeover", "permessage-deflate; server_no_context_takeover; client_no_context_takeover")]
    [TestCase("permessage-deflate; server_max_window_bits=15", "permessage-deflate; server_max_window_bits=15")]
    [TestCase("permessage-deflate; client_max_window_bits=\"12\"", "permessage-deflate; client_max_window_bits=12")]
    [TestCase("permessage-deflate ;client_max_window_bits", "permessage-deflate")]
    [TestCase("permessage-deflate; client_max_window_bits=1e1", "permessage-deflate; client_max_window_bits=10")]
    [TestCase("permessage-deflate; client_max_window_bits=0xa", "permessage-deflate; client_max_window_bits=10")]
    [TestCase("permessage-deflate; client_max_window_bits=010", "permessage-deflate; client_max_window_bits=10")]
    [TestCase("foo, permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover")]
    [TestCase("x-webkit-deflate-frame", None)]
    [TestCase("permessage-deflate; foo=bar", Invalid)]
    [TestCase("permessage-deflate; server_max_window_bits", Invalid)]
    [TestCase("permessage-deflate; client_max_window_bits=16", Invalid)]
    [TestCase("permessage-deflate; client_max_window_bits=7", Invalid)]
    [TestCase("permessage-deflate; client_max_window_bits=9.5", Invalid)]
    [TestCase("permessage-deflate; server_no_context_takeover=1", Invalid)]
    [TestCase("permessage-deflate; client_max_window_bits; client_max_window_bits", Invalid)]
    [TestCase("permessage-deflate,,x", Invalid)]
    [TestCase("permessage-deflate; client_max_window_bits = 10", Invalid)]
    [TestCase("foo; bar=\"a b\"", Invalid)]
    [TestCase(";permessage-deflate", Invalid)]
    [TestCase("permessage-deflate;", Invalid)]
    [TestCase("permessage-deflate; a=\"unterminated", Invalid)]
    [TestCase("", Invalid)]
    public void AnOffer_IsAnsweredAsWsAnswersIt(string offer, string expected)
    {
        var valid = PerMessageDeflateNegotiation.TryNegotiate(offer, out var accepted);
        Assert.That(!valid ? Invalid : accepted?.ResponseHeader ?? None, Is.EqualTo(expected));
    }

    [TestCase("permessage-deflate; server_max_window_bits=10", None)]
    [TestCase("permessage-deflate; server_max_window_bits=10, permessage-deflate; client_max_window_bits", "permessage-deflate")]
    public void AServerWindowUnder15Bits_IsDeclined_AndTheNextOfferTaken(string offer, string expected)
    {
        Assert.That(PerMessageDeflateNegotiation.TryNegotiate(offer, out var accepted), Is.True);
        Assert.That(accepted?.ResponseHeader ?? None, Is.EqualTo(expected));
    }

    [Test]
    public void ContextTakeover_IsWhatTheOfferAskedFor()
    {
        PerMessageDeflateNegotiation.TryNegotiate("permessage-deflate; server_no_context_takeover", out var server);
        PerMessageDeflateNegotiation.TryNegotiate("permessage-deflate; client_no_context_takeover", out var client);
        Assert.That((server!.ServerNoContextTakeover, server.ClientNoContextTakeover), Is.EqualTo((true, false)));
        Assert.That((client!.ServerNoContextTakeover, client.ClientNoContextTakeover), Is.EqualTo((false, true)));
    }
}
