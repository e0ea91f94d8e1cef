// Regenerates the seed corpora under fuzz/corpus/<target>/ from the Redis wire captures (../shared/redis-captures,
// or the folder given as the first argument) and from the protocol test vectors written out below.
// Seeds are named by content hash, so rerunning adds nothing twice; afl's own finds are not written here.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const captures = process.argv[2] ?? join(here, "..", "..", "shared", "redis-captures");
const seeds = new Map(); // target -> Map(hash -> bytes)

function add(target, bytes) {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, "utf8");
  if (!seeds.has(target)) seeds.set(target, new Map());
  seeds.get(target).set(createHash("sha1").update(buf).digest("hex").slice(0, 16), buf);
}

// --- Redis: every captured PUBLISH/SPUBLISH payload, to the decoders that read that channel.
if (existsSync(captures)) {
  for (const run of readdirSync(captures, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(captures, run.name)).filter((f) => f.endsWith(".json"))) {
      const scenario = JSON.parse(readFileSync(join(captures, run.name, file), "utf8"));
      for (const m of scenario.messages ?? []) {
        const payload = Buffer.from(m.payload_base64 ?? "", "base64");
        if (payload.length > 4096) continue; // keep the corpus small; the big binary broadcast adds no new shape
        if (m.encoding === "msgpack") add("notepack", payload);
        add("cluster-payload", payload);
        // redis-receive: byte 0 picks the handler (0 broadcast, 2 request, 3 response, 4 sharded).
        const handler = m.command === "SPUBLISH" ? 4 : /-request#/.test(m.channel) ? 2 : /-response#/.test(m.channel) ? 3 : 0;
        add("redis-receive", Buffer.concat([Buffer.from([handler]), payload]));
      }
    }
  }
} else {
  console.warn(`no captures at ${captures}: Redis seeds from the vectors below only`);
}

// Hand-written Redis edge cases (redis-wire §2.3, §13): JSON with leading space, big integers, deep nesting.
for (const s of ['{"uid":"x","type":3,"opts":{"rooms":[],"except":[]},"rooms":["r"]}', '{"type":99999999999999999999}',
  ' {"type":1}', '{"requestId":"abc","type":6,"clientCount":1}', '{"type":0,"requestId":"q","rooms":["a"]}',
  '{"type":2,"requestId":"r","uid":"u","sid":"sid","room":"x"}']) {
  add("cluster-payload", s);
  add("redis-receive", Buffer.concat([Buffer.from([2]), Buffer.from(s)]));
}
add("notepack", Buffer.from([0x93, 0xa1, 0x61, 0x81, 0xa3, 0x6e, 0x73, 0x70, 0xa1, 0x2f, 0x80]));
add("notepack", Buffer.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
add("notepack", Buffer.from([0xd7, 0x00, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x00, 0x00]));
add("notepack", Buffer.from([0xd4, 0x00, 0x00]));

// --- Engine.IO packets (one text frame) and polling payloads (EnginePacketCodecTests).
for (const s of ["0", "1", "2", "2probe", "3probe", "4hello", "4€", "5", "6", "7", "", "40", '42["a",1]'])
  add("engine-packet", s);
for (const s of ["4hello\x1e2\x1e4world", "4hello\x1e2probe\x1e6\x1e3", "4text\x1ebAQID", "4a\x1e\x1e4b", "4a\x1eb//4=\x1e4b",
  "4a\x1e8x\x1e4b", "bAQ", "bAQD", "b", "1", '42["ev",{"a":1}]\x1ebAQIDBA=='])
  add("engine-payload", s);

// --- Engine.IO v3 polling payloads (EngineV3CodecTests): byte 0 even = text, odd = binary payload.
for (const s of ["2:4x0:7:4é€😀hi1:2", "6:b4AQID", "8:b4A!Q=ID", "", "x:4a", ":4a", "9:4a", "2:9x", "1:2junk", "0:", "1:6",
  '47:451-0["echo",{"_placeholder":true,"num":0},"x"]6:b4AQID', "16:40/mw?token=bad,", "2:4a12345678901:4"])
  add("engine-v3-payload", Buffer.concat([Buffer.from([0]), Buffer.from(s, "utf8")]));
for (const b of [[0, 3, 255, 0x34, 0xc3, 0xa9, 1, 3, 255, 4, 9, 8], [2, 1, 255, 4], [0, 1, 2], [0, 12, 255, 4], [0, 5, 255, 4],
  [0, 255, 4], [1, 1, 255, 42], [0, 1, 255, 0x32]])
  add("engine-v3-payload", Buffer.from([1, ...b]));

// --- Socket.IO packets (ParserTests, BufferTests); 0x1e separates Engine.IO messages, binary once attachments are due.
for (const s of ["0", "0/admin,{}", "0/custom", '0{"token":"x"}', "1", "1/a,", '2["a"]', '2/chat,12["b",1]', '21["a",1.5,null,true]',
  '2/a,9007199254740992["x"]', '3/a,5[]', '3/chat,0[]', '4{"message":"no"}', '4"text"', '2["ü",{"nested":[1,{"x":"\\u00e9"}]}]',
  '51-["bin",{"_placeholder":true,"num":0}]\x1e\x01\x02\x03',
  '52-/chat,7["two",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]\x1e\xca\xfe\x1e\x00',
  '61-/a,3[{"_placeholder":true,"num":0}]\x1eABC', '51-["x",{"_placeholder":true,"num":1}]\x1ez', '2["connect"]', '5-["x"]', '511-["x"]'])
  add("socketio-packet", Buffer.from(s, "latin1"));

// --- msgpack parser packets (MsgpackParserTests): what socket.io-msgpack-parser 3.0.2 writes, and its refusals.
for (const hex of ["83a47479706500a464617461d40000a36e7370a12f", "83a47479706500a46461746181a5746f6b656ea576616c6964a36e7370a32f6d77",
  "85a47479706502a46461746193a46563686fc403010203c7010004a76f7074696f6e7381a8636f6d7072657373c3a2696401a36e7370a12f",
  "84a47479706503a36e7370a12fa2696405a4646174619181a178cb3ff8000000000000", "82a47479706501a36e7370a12f",
  "84a26964cd012ca47479706503a4646174619182a161c0a164d7000000018bcfe5687ba36e7370a12f",
  "83a47479706504a46461746182a76d657373616765ae6e6f7420617574686f72697a6564a464617461d40000a36e7370a32f6d77",
  "82a47479706502a46461746191a161", "83a47479706502a46461746191db7fffffff", "84a47479706502a46461746191a161a26964cb4000000000000000a36e7370a12f"])
  add("msgpack-packet", Buffer.from(hex, "hex"));

// --- WebSocket frames: byte 0 = receive buffer size (low 6 bits) and header-read flag (0x80), then masked frames.
function frame(opcode, payload, { fin = true, mask = [1, 2, 3, 4], rsv = 0 } = {}) {
  const data = Buffer.from(payload);
  const len = data.length < 126 ? [data.length] : data.length < 65536 ? [126, data.length >> 8, data.length & 255] : null;
  const head = Buffer.from([(fin ? 0x80 : 0) | rsv | opcode, 0x80 | len[0], ...len.slice(1), ...mask]);
  return Buffer.concat([head, Buffer.from(data.map((b, i) => b ^ mask[i % 4]))]);
}
const close = (code, reason = "") => frame(8, Buffer.concat([Buffer.from([code >> 8, code & 255]), Buffer.from(reason)]));
for (const [size, frames] of [
  [16, [frame(1, "4hello"), close(1000)]],
  [0x80 | 4, [frame(1, "2probe"), frame(9, "p"), frame(2, [1, 2, 3, 4, 5, 6, 7, 8, 9]), close(1001, "bye")]],
  [7, [frame(1, "4€€", { fin: false }), frame(0, "€"), frame(0, "x"), close(1000)]],
  [63, [frame(1, "x".repeat(300)), frame(10, ""), close(3000)]],
  [2, [frame(1, Buffer.from([0xe2, 0x82])), frame(0, Buffer.from([0xac]))]],
  [5, [frame(1, Buffer.from([0xc0, 0x80]))]],
  [9, [frame(8, [3])]],
  [9, [frame(1, "a", { rsv: 0x40 })]],
  [12, [Buffer.from([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4])]],
  [12, [frame(0, "orphan")]],
]) add("websocket-frames", Buffer.concat([Buffer.from([size]), ...frames]));

// --- HTTP upgrade heads (WebSocketHandshakeRequestTests); byte 0 is where the head is split in two segments.
const upgrade = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost:3000\r\nUpgrade: websocket\r\n" +
  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
for (const [split, head] of [[0, upgrade], [40, upgrade], [255, upgrade],
  [10, upgrade.replace("Connection: Upgrade", "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Extensions: permessage-deflate")],
  [3, upgrade.replace("\r\n\r\n", "\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n")], [5, "GET / HTTP/1.1\r\n\r\n"],
  [1, "POST / HTTP/1.1\r\nHost: x\r\n\r\n"], [7, upgrade.replace("Host:", " Host:")]])
  add("websocket-handshake", Buffer.concat([Buffer.from([split]), Buffer.from(head, "latin1")]));

// --- UTF-8 pieces (Utf8StreamValidatorTests): byte 0 seeds the cut points. No seed is pure ASCII: that run takes no
// instrumented branch, and afl-fuzz aborts ("no instrumentation detected") when the first seed it tries is one.
for (const [seed, bytes] of [[1, Buffer.from("héllo € 𝄞 wörld")], [2, Buffer.from([0xf0, 0x9d, 0x84, 0x9e])],
  [3, Buffer.from([0xed, 0xa0, 0x80])], [4, Buffer.from([0xc3])], [5, Buffer.from([0xf4, 0x90, 0x80, 0x80])], [6, Buffer.from("plain ascii, then é")]])
  add("utf8-stream", Buffer.concat([Buffer.from([seed]), bytes]));

for (const [target, files] of seeds) {
  const dir = join(here, "corpus", target);
  mkdirSync(dir, { recursive: true });
  for (const [hash, bytes] of files) writeFileSync(join(dir, hash), bytes);
  console.log(`${target}: ${files.size} seeds`);
}
