using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Redis.Codec;
using SocketIo.Server.Protocol.Msgpack;
using SocketIo.Redis.Streams;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.Redis;

/// <summary>The streams adapter's encodings against the bytes Node 0.3.1 wrote (Redis/StreamsCaptures).</summary>
[TestFixture]
public sealed class StreamsWireFormatTests
{
    private static readonly string[] XAddHead = ["XADD", "socket.io", "MAXLEN", "~", "10000", "*"];
    private static readonly string[] GetAndDelete = ["MULTI", "GET", "DEL", "EXEC"];
    private static readonly string[] CustomXRead = ["XREAD", "COUNT", "7", "BLOCK", "1234", "STREAMS", "my-stream"];

    /// <summary>XADD arguments after <c>stream MAXLEN ~ n *</c>: the field/value pairs.</summary>
    private static List<KeyValuePair<string, string>> XAddFields(JArray xadd)
    {
        var fields = new List<KeyValuePair<string, string>>();
        for (var i = 6; i + 1 < xadd.Count; i += 2)
        {
            fields.Add(new((string)xadd[i]!, (string)xadd[i + 1]!));
        }

        return fields;
    }

    [Test]
    public void A_broadcast_built_here_is_the_entry_Node_wrote()
    {
        var capture = StreamsCaptureFiles.Load("streams-default/01-broadcast-all");
        var xadd = StreamsCaptureFiles.Commands(capture, "XADD").Single();
        Assert.That(xadd.Take(6).Select(a => (string)a!), Is.EqualTo(XAddHead));
        var uid = (string)xadd[7]!;
        var packet = new SocketIoPacket(SocketIoPacketType.Event, "/", new JArray("hello-all", 1, "two", new JObject { ["three"] = new JArray(3) }));
        var message = ClusterMessages.Broadcast(uid, "/", packet, new BroadcastOptions());
        Assert.That(StreamsWireFormat.EncodeEntry(message, uid, onlyPlaintext: false), Is.EqualTo(XAddFields(xadd)));
    }

    [TestCase("streams-default/01-broadcast-all")]
    [TestCase("streams-default/02-broadcast-rooms")]
    [TestCase("streams-default/03-broadcast-except")]
    [TestCase("streams-default/04-binary")]
    [TestCase("streams-default/06-sockets-join-leave")]
    [TestCase("streams-default/07-disconnect-sockets")]
    [TestCase("streams-default/13-chat-namespace")]
    [TestCase("streams-plaintext/04-binary")]
    [TestCase("streams-custom/01-broadcast-all")]
    public void Every_captured_entry_decodes_and_encodes_back_to_the_same_fields(string name)
    {
        var capture = StreamsCaptureFiles.Load(name);
        var plaintext = capture["adapter_options"]?["onlyPlaintext"]?.Value<bool>() == true;
        var entries = StreamsCaptureFiles.Commands(capture, "XADD");
        Assert.That(entries, Is.Not.Empty);
        foreach (var xadd in entries)
        {
            var fields = XAddFields(xadd);
            var message = StreamsWireFormat.DecodeEntry(fields.ToDictionary(f => f.Key, f => f.Value), out var error);
            Assert.That(error, Is.Null);
            Assert.That(StreamsWireFormat.EncodeEntry(message!, "unused", plaintext), Is.EqualTo(fields), xadd.ToString());
        }
    }

    [Test]
    public void Binary_data_is_base64_msgpack_and_arrives_as_bytes()
    {
        var xadd = StreamsCaptureFiles.Commands(StreamsCaptureFiles.Load("streams-default/04-binary"), "XADD").Single();
        var fields = XAddFields(xadd).ToDictionary(f => f.Key, f => f.Value);
        Assert.That(fields["data"][0], Is.Not.EqualTo('{'));
        var message = StreamsWireFormat.DecodeEntry(fields, out _)!;
        var args = (JArray)message.Data!["packet"]!["data"]!;
        Assert.That(args[1].Type, Is.EqualTo(JTokenType.Bytes));
        Assert.That((byte[])args[1]!, Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [TestCase("streams-default/05-fetch-sockets")]
    [TestCase("streams-default/08-server-side-emit")]
    [TestCase("streams-default/09-server-side-emit-ack")]
    [TestCase("streams-default/10-broadcast-ack")]
    [TestCase("streams-sharded/05-fetch-sockets")]
    public void Every_captured_channel_message_decodes_and_encodes_back_to_the_same_bytes(string name)
    {
        var capture = StreamsCaptureFiles.Load(name);
        var publishes = StreamsCaptureFiles.Commands(capture, "PUBLISH").Concat(StreamsCaptureFiles.Commands(capture, "SPUBLISH")).ToList();
        Assert.That(publishes, Is.Not.Empty);
        foreach (var publish in publishes)
        {
            var payload = StreamsCaptureFiles.Bytes(publish[2]);
            var message = StreamsWireFormat.DecodeEnvelope(payload, out var error);
            Assert.That(error, Is.Null);
            Assert.That(StreamsWireFormat.IsEphemeral(message!) || message!.Type is ClusterMessageType.FetchSocketsResponse
                or ClusterMessageType.ServerSideEmitResponse or ClusterMessageType.BroadcastClientCount or ClusterMessageType.BroadcastAck);
            Assert.That(Convert.ToHexString(StreamsWireFormat.EncodeEnvelope(message!, "unused")), Is.EqualTo(Convert.ToHexString(payload)));
        }
    }

    [Test]
    public void Requests_and_responses_go_to_the_public_and_the_requester_channel()
    {
        var capture = StreamsCaptureFiles.Load("streams-default/09-server-side-emit-ack");
        var publishes = StreamsCaptureFiles.Commands(capture, "PUBLISH");
        var requester = (string)capture["servers"]![0]!["uids"]!["/"]!;
        Assert.That(publishes.Select(p => (string)p[1]!), Is.EqualTo(new[] { "socket.io#/#", $"socket.io#/#{requester}#" }));
    }

    [Test]
    public void Sessions_are_the_bytes_Node_stored()
    {
        var capture = StreamsCaptureFiles.Load("streams-default/11-session-restore");
        var set = StreamsCaptureFiles.Commands(capture, "SET").Single();
        Assert.That((string)set[3]!, Is.EqualTo("PX"));
        Assert.That((string)set[4]!, Is.EqualTo("60000"));
        var raw = (string)set[2]!;
        var session = StreamsWireFormat.DecodeSession(raw, out var error)!;
        Assert.That(error, Is.Null);
        Assert.That((string)set[1]!, Is.EqualTo("sio:session:" + session.Pid));
        Assert.That(session.Rooms, Has.Member("lost"));
        Assert.That(StreamsWireFormat.EncodeSession(session), Is.EqualTo(raw));
    }

    [Test]
    public void A_restore_reads_and_deletes_the_session_then_reads_after_the_offset()
    {
        var capture = StreamsCaptureFiles.Load("streams-default/11-session-restore");
        var commands = ((JArray)capture["redis_commands"]!).Cast<JArray>().Select(c => (string)c[0]!).ToList();
        var multi = commands.IndexOf("MULTI");
        Assert.That(commands.Skip(multi).Take(4), Is.EqualTo(GetAndDelete));
        var ranges = StreamsCaptureFiles.Commands(capture, "XRANGE");
        var offset = (string)capture["result"]!["lastOffset"]!;
        Assert.That((string)ranges[0][2]!, Is.EqualTo(offset));
        Assert.That((string)ranges[1][2]!, Is.EqualTo(StreamsWireFormat.NextOffset(offset)));
        Assert.That((string)ranges[1][3]!, Is.EqualTo("+"));
    }

    [TestCase("/", 3, "socket.io-2")] // captured: streams-count3/01-broadcast-all
    [TestCase("/chat", 3, "socket.io-1")] // captured: streams-count3/13-chat-namespace
    [TestCase("/zzzzzzzz", 3, "socket.io--1")] // node: hashCode = -961036753, JS % keeps the sign
    [TestCase("/zzzzzzzz", 7, "socket.io--5")]
    [TestCase("/ünïcode", 3, "socket.io-0")] // node: -301644645 % 3 is -0, printed "0"
    [TestCase("/😀", 5, "socket.io-1")] // UTF-16 code units, as charCodeAt
    [TestCase("/anything", 1, "socket.io")]
    public void Namespaces_map_to_streams_as_Node_hashes_them(string nsp, int count, string expected) =>
        Assert.That(StreamsWireFormat.StreamNameFor(nsp, "socket.io", count), Is.EqualTo(expected));

    [TestCase("/zzzzzzzz", -961036753)]
    [TestCase("/chat", 46457863)]
    [TestCase("/ünïcode", -301644645)]
    public void The_hash_is_util_js_hashCode(string text, int expected) => Assert.That(StreamsWireFormat.HashCode(text), Is.EqualTo(expected));

    [Test]
    public void Servers_read_every_stream_from_dollar_with_readCount_and_blockTime()
    {
        var setup = (JArray)StreamsCaptureFiles.Load("streams-count3/00-startup")["setup_commands"]!;
        var streams = setup.Cast<JArray>().Where(c => (string?)c[0] == "XREAD").Select(c => (string)c[6]!).Distinct().Order();
        Assert.That(streams, Is.EqualTo(StreamsWireFormat.AllStreams("socket.io", 3)));
        var custom = StreamsCaptureFiles.Commands(StreamsCaptureFiles.Load("streams-custom/01-broadcast-all"), "XREAD")[0];
        Assert.That(custom.Take(7).Select(a => (string)a!), Is.EqualTo(CustomXRead));
    }

    [TestCase("1796220673922-0", "1796220673922-1")]
    [TestCase("5-18446744073709551615", "5-18446744073709551616")]
    public void The_next_offset_adds_one_to_the_sequence(string offset, string next) =>
        Assert.That(StreamsWireFormat.NextOffset(offset), Is.EqualTo(next));

    [TestCase("1-0", true)]
    [TestCase("1-0\n", false)]
    [TestCase("1", false)]
    [TestCase("a-1", false)]
    [TestCase("", false)]
    public void Only_stream_ids_are_offsets(string offset, bool valid) => Assert.That(StreamsWireFormat.IsOffset(offset), Is.EqualTo(valid));

    [Test]
    public void Msgpack_is_msgpack_lite_where_it_differs_from_notepack()
    {
        // Measured with @msgpack/msgpack 2.8.0 encode(): undefined members stay (nil), unsafe integers are float64.
        var withUndefined = new JObject { ["a"] = JValue.CreateUndefined(), ["b"] = 1 };
        Assert.That(Convert.ToHexStringLower(MsgpackLiteWriter.Encode(withUndefined)), Is.EqualTo("82a161c0a16201"));
        Assert.That(Convert.ToHexStringLower(MsgpackLiteWriter.Encode(new JValue(1e20))), Is.EqualTo("cb4415af1d78b58c40"));
        Assert.That(Convert.ToHexStringLower(MsgpackLiteWriter.Encode(new JValue(9223372036854775807L))), Is.EqualTo("cb43e0000000000000"));
        Assert.That(Convert.ToHexStringLower(MsgpackLiteWriter.Encode(new JValue(9007199254740991L))), Is.EqualTo("cf001fffffffffffff"));
        Assert.That(Convert.ToHexStringLower(MsgpackLiteWriter.Encode(new JArray(1.5, -33, "x"))), Is.EqualTo("93cb3ff8000000000000d0dfa178"));
    }

    private static Dictionary<string, string> Entry(params string[] pairs)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < pairs.Length; i += 2)
        {
            d[pairs[i]] = pairs[i + 1];
        }

        return d;
    }

    [Test]
    public void Garbage_entries_are_refused_with_a_reason()
    {
        Assert.Multiple(() =>
        {
            Assert.That(StreamsWireFormat.DecodeEntry(Entry("uid", "u", "nsp", "/", "type", "x"), out var e1), Is.Null);
            Assert.That(e1, Is.Not.Null);
            Assert.That(StreamsWireFormat.DecodeEntry(Entry("uid", "u", "nsp", "/", "type", "3", "data", "{not json"), out var e2), Is.Null);
            Assert.That(e2, Is.Not.Null);
            Assert.That(StreamsWireFormat.DecodeEntry(Entry("uid", "u", "nsp", "/", "type", "3", "data", "!!!"), out var e3), Is.Null);
            Assert.That(e3, Is.Not.Null);
            Assert.That(StreamsWireFormat.DecodeEntry(Entry("uid", "u", "nsp", "/", "type", "3", "data", Convert.ToBase64String([0xc1])), out var e4), Is.Null);
            Assert.That(e4, Is.Not.Null);
            Assert.That(StreamsWireFormat.DecodeEntry(Entry("uid", "u", "nsp", "/", "type", "3", "data", "kQE="), out var e5), Is.Null); // [1] in msgpack
            Assert.That(e5, Is.EqualTo("data is not an object"));
            // No nsp: skipped without a word, as startPolling does.
            Assert.That(StreamsWireFormat.DecodeEntry(Entry("foo", "bar"), out var e6), Is.Null);
            Assert.That(e6, Is.Null);
        });
    }

    [Test]
    public void Types_are_read_like_parseInt()
    {
        Assert.That(StreamsWireFormat.DecodeEntry(Entry("uid", "u", "nsp", "/", "type", "4abc", "data", "{}"), out _)!.Type, Is.EqualTo(ClusterMessageType.SocketsJoin));
        Assert.That(StreamsWireFormat.DecodeEntry(Entry("uid", "u", "nsp", "/", "type", "99"), out _)!.Type, Is.EqualTo((ClusterMessageType)99));
    }

    [Test]
    public void Garbage_channel_messages_and_sessions_are_refused()
    {
        Assert.That(StreamsWireFormat.DecodeEnvelope(Encoding.UTF8.GetBytes("{\"type\":9}"), out var e1), Is.Null);
        Assert.That(e1, Is.Not.Null);
        Assert.That(StreamsWireFormat.DecodeEnvelope(NotepackWriter.Encode(new JObject { ["type"] = "9", ["nsp"] = "/" }), out var e2), Is.Null);
        Assert.That(e2, Is.Not.Null);
        Assert.That(StreamsWireFormat.DecodeEnvelope(NotepackWriter.Encode(new JObject { ["type"] = 9, ["nsp"] = "/", ["data"] = 5 }), out var e3), Is.Null);
        Assert.That(e3, Is.Not.Null);
        Assert.That(StreamsWireFormat.DecodeSession("not base64!", out var s1), Is.Null);
        Assert.That(s1, Is.Not.Null);
        Assert.That(StreamsWireFormat.DecodeSession(Convert.ToBase64String(NotepackWriter.Encode(new JObject { ["sid"] = 1 })), out var s2), Is.Null);
        Assert.That(s2, Is.Not.Null);
        Assert.That(StreamsWireFormat.DecodeSession(Convert.ToBase64String(NotepackWriter.Encode(new JObject { ["sid"] = "a", ["pid"] = "b", ["rooms"] = new JArray(1) })), out var s3), Is.Null);
        Assert.That(s3, Is.Not.Null);
    }

    [Test]
    public void Replay_follows_rooms_and_except()
    {
        var opts = JObject.Parse("{\"rooms\":[\"a\"],\"except\":[\"x\"]}");
        Assert.That(StreamsWireFormat.ShouldInclude(["sid", "a"], opts), Is.True);
        Assert.That(StreamsWireFormat.ShouldInclude(["sid", "a", "x"], opts), Is.False);
        Assert.That(StreamsWireFormat.ShouldInclude(["sid", "b"], opts), Is.False);
        Assert.That(StreamsWireFormat.ShouldInclude(["sid"], JObject.Parse("{\"rooms\":[],\"except\":[]}")), Is.True);
    }
}
