// Engine.IO v4 interop: engine.io-client 6.6.8 against the bare /engine.io/ echo endpoint of
// the interop server (SERVER_IMPL=dotnet|node, see support/servers.mjs).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import { startServer, waitFor, collect } from "./support/servers.mjs";

const PATH = "/engine.io/";
const MESSAGES_PER_KIND = 1000;
const HANDSHAKE_KEYS = ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"];

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

/**
 * Opens an engine.io-client socket on the echo endpoint and waits for `open`.
 * Returns the socket, the handshake (`open` packet payload) and the received messages.
 */
async function openSocket(url, options = {}) {
  const socket = new Socket(url, { path: PATH, ...options });
  const received = [];
  let handshake;
  socket.on("handshake", (data) => {
    handshake = data;
  });
  socket.on("message", (data) => received.push(data));
  try {
    await waitFor(socket, "open", 10_000, { rejectOn: ["close"] });
  } catch (err) {
    socket.close();
    throw err;
  }
  return { socket, handshake, received };
}

async function closeSocket(socket) {
  if (socket.readyState === "closed") return;
  const closed = waitFor(socket, "close", 5000);
  socket.close();
  await closed;
}

/** Resolves once `received` holds `count` entries; rejects on close or after `timeoutMs`. */
function waitForCount(socket, received, count, timeoutMs, label) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (received.length >= count) {
        cleanup();
        resolve();
      }
    };
    const onClose = (reason, description) => {
      cleanup();
      reject(
        new Error(
          `connection closed (${reason}${description?.message ? `: ${description.message}` : ""}) ` +
            `after ${received.length}/${count} ${label}`,
        ),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms: ${received.length}/${count} ${label}`));
    }, timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      socket.off("message", check);
      socket.off("close", onClose);
    }
    socket.on("message", check);
    socket.on("close", onClose);
    check();
  });
}

// ---------------------------------------------------------------------------------------
// Message corpus: text and binary, interleaved, with edge cases and varied sizes.
// ---------------------------------------------------------------------------------------

const TEXT_SPECIALS = [
  "",
  "a",
  "€",
  "😀",
  "héllo wörld",
  "日本語のテキスト",
  "👩‍👩‍👧‍👦 family (ZWJ sequence)",
  "e\u0301 combining accent",
  "4",
  "b",
  "bAQID", // looks like a base64 binary packet on the polling transport
  "2probe",
  "3",
  '{"json":true,"n":[1,2,3]}',
  "line\nbreak\r\ntab\t",
  'quote" backslash\\ slash/',
  "\u0000nul\u0001soh",
  "\ufeffBOM",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral",
  " ",
];

const TEXT_UNIT = Array.from("a€😀ö"); // code points of 1, 3, 4 and 2 UTF-8 bytes

function textMessage(i) {
  if (i < TEXT_SPECIALS.length) return TEXT_SPECIALS[i];
  let length; // in code points, so that no surrogate pair is ever cut in half
  if (i % 100 === 0) length = 40_000;
  else if (i % 10 === 0) length = 3_000;
  else length = 1 + ((i * 37) % 200);
  let s = `${i}:`;
  for (let k = 0; k < length; k++) s += TEXT_UNIT[(i + k) % TEXT_UNIT.length];
  return s;
}

function binaryMessage(i) {
  let size;
  if (i === 0) size = 1;
  else if (i === 1) size = 2;
  else if (i % 100 === 0) size = 100_000;
  else if (i % 10 === 0) size = 5_000;
  else size = 1 + ((i * 53) % 300);
  const buf = Buffer.alloc(size);
  if (i === 2) return buf.fill(0x00); // all zero bytes
  if (i === 3) return buf.fill(0xff);
  for (let j = 0; j < size; j++) buf[j] = (i * 7 + j * 31) & 0xff;
  return buf;
}

/** 2 × count messages: text, binary, text, binary… */
function makeCorpus(count) {
  const messages = [];
  for (let i = 0; i < count; i++) {
    messages.push(textMessage(i));
    messages.push(binaryMessage(i));
  }
  return messages;
}

function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

function describeValue(v) {
  if (typeof v === "string") {
    return `text(${v.length} chars) ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  }
  const b = toBuffer(v);
  if (b) return `binary(${b.length} bytes) ${b.subarray(0, 16).toString("hex")}${b.length > 16 ? "…" : ""}`;
  return `${typeof v} ${String(v)}`;
}

/** Asserts that every echo is the sent message, same kind (text/binary), same order. */
function assertEchoes(sent, received) {
  assert.equal(received.length, sent.length, "number of echoes");
  for (let i = 0; i < sent.length; i++) {
    const expected = sent[i];
    const actual = received[i];
    if (typeof expected === "string") {
      // An empty message travels as a bare "4", which engine.io-parser decodes as a message
      // packet without data: the client reports `undefined`.
      const same = actual === expected || (expected === "" && actual === undefined);
      if (!same) {
        assert.fail(`echo #${i}: expected ${describeValue(expected)}, got ${describeValue(actual)}`);
      }
    } else {
      const buf = typeof actual === "string" ? undefined : toBuffer(actual);
      if (!buf || !buf.equals(expected)) {
        assert.fail(`echo #${i}: expected ${describeValue(expected)}, got ${describeValue(actual)}`);
      }
    }
  }
}

/** Size of a message inside a polling payload (type digit or "b" prefix + separator). */
function pollingSize(m) {
  return typeof m === "string" ? Buffer.byteLength(m) + 2 : Math.ceil(m.length / 3) * 4 + 2;
}

/**
 * Sends `messages` and waits until `received` holds `expectedTotal` echoes.
 *
 * With `windowBytes`, messages go in windows of at most that many polling-payload bytes, each
 * window waiting for its echoes. This works around engine.io-client 6.6.8, which splits
 * polling payloads at maxPayload using a base64 estimate of 1.33 bytes per binary byte
 * (`BASE64_OVERHEAD` in its util.js) instead of 4/3: a long burst of binary messages makes it
 * POST more than maxPayload bytes, the server rightly answers 413 and the client closes.
 */
async function sendAndAwaitEchoes(socket, received, messages, expectedTotal, { windowBytes } = {}) {
  if (!windowBytes) {
    for (const m of messages) socket.send(m);
  } else {
    const base = expectedTotal - messages.length;
    let i = 0;
    while (i < messages.length) {
      let bytes = 0;
      const start = i;
      while (i < messages.length && (i === start || bytes + pollingSize(messages[i]) <= windowBytes)) {
        bytes += pollingSize(messages[i]);
        socket.send(messages[i]);
        i++;
      }
      await waitForCount(socket, received, base + i, 15_000, "echoes");
    }
  }
  await waitForCount(socket, received, expectedTotal, 45_000, "echoes");
}

const POLLING_WINDOW = 256 * 1024;

const corpus = makeCorpus(MESSAGES_PER_KIND);

// ---------------------------------------------------------------------------------------

describe("engine.io echo: 1000 text + 1000 binary messages, in order and unaltered", () => {
  it("polling only", { timeout: 60_000 }, async () => {
    const { socket, received } = await openSocket(server.url, { transports: ["polling"] });
    try {
      assert.equal(socket.transport.name, "polling");
      await sendAndAwaitEchoes(socket, received, corpus, corpus.length, { windowBytes: POLLING_WINDOW });
      assertEchoes(corpus, received);
      assert.equal(socket.transport.name, "polling");
    } finally {
      await closeSocket(socket);
    }
  });

  it("websocket only", { timeout: 60_000 }, async () => {
    const { socket, received } = await openSocket(server.url, { transports: ["websocket"] });
    try {
      assert.equal(socket.transport.name, "websocket");
      await sendAndAwaitEchoes(socket, received, corpus, corpus.length);
      assertEchoes(corpus, received);
    } finally {
      await closeSocket(socket);
    }
  });

  it("default: polling, then upgrade to websocket, messages sent from open onwards", { timeout: 60_000 }, async () => {
    const socket = new Socket(server.url, { path: PATH });
    const received = [];
    socket.on("message", (data) => received.push(data));
    const upgraded = waitFor(socket, "upgrade", 15_000, { rejectOn: ["close", "upgradeError"] });
    upgraded.catch(() => {}); // observed below; avoid an unhandled rejection meanwhile
    try {
      await waitFor(socket, "open", 10_000, { rejectOn: ["close"] });
      assert.equal(socket.transport.name, "polling", "first transport");
      // The first half starts right away, while the probe is under way, so depending on
      // timing part of it crosses the upgrade (windowed: see sendAndAwaitEchoes).
      const half = corpus.length / 2;
      const sentBeforeUpgrade = sendAndAwaitEchoes(socket, received, corpus.slice(0, half), half, {
        windowBytes: POLLING_WINDOW,
      });
      sentBeforeUpgrade.catch(() => {}); // awaited below, after the upgrade
      const [transport] = await upgraded;
      assert.equal(transport.name, "websocket", "upgrade event transport");
      await sentBeforeUpgrade;
      // The second half in one burst over the upgraded transport.
      await sendAndAwaitEchoes(socket, received, corpus.slice(half), corpus.length);
      assertEchoes(corpus, received);
      assert.equal(socket.transport.name, "websocket", "final transport");
    } finally {
      await closeSocket(socket);
    }
  });
});

describe("engine.io handshake", () => {
  for (const [transport, upgrades] of [
    ["polling", ["websocket"]],
    ["websocket", []],
  ]) {
    it(`${transport}: open packet has exactly sid, upgrades, pingInterval, pingTimeout, maxPayload (defaults)`, async () => {
      const { socket, handshake } = await openSocket(server.url, { transports: [transport] });
      try {
        assert.ok(handshake, "handshake received");
        assert.deepEqual(Object.keys(handshake).sort(), HANDSHAKE_KEYS);
        assert.equal(typeof handshake.sid, "string");
        assert.ok(handshake.sid.length > 0, "sid not empty");
        assert.equal(socket.id, handshake.sid);
        assert.deepEqual(handshake.upgrades, upgrades);
        assert.equal(handshake.pingInterval, 25000);
        assert.equal(handshake.pingTimeout, 20000);
        assert.equal(handshake.maxPayload, 1_000_000);
      } finally {
        await closeSocket(socket);
      }
    });
  }

  it("configured PING_INTERVAL/PING_TIMEOUT/MAX_HTTP_BUFFER_SIZE; pings are answered across heartbeats", { timeout: 60_000 }, async () => {
    const hb = await startServer({
      env: { PING_INTERVAL: 300, PING_TIMEOUT: 200, MAX_HTTP_BUFFER_SIZE: 1_000_000 },
    });
    try {
      await Promise.all(
        ["polling", "websocket"].map(async (transport) => {
          const { socket, handshake, received } = await openSocket(hb.url, { transports: [transport] });
          try {
            assert.deepEqual(Object.keys(handshake).sort(), HANDSHAKE_KEYS);
            assert.equal(handshake.pingInterval, 300, `${transport} pingInterval`);
            assert.equal(handshake.pingTimeout, 200, `${transport} pingTimeout`);
            assert.equal(handshake.maxPayload, 1_000_000, `${transport} maxPayload`);
            // 5 pings ≈ 1.5 s: the session outlives several pingInterval + pingTimeout windows,
            // which only happens if our pongs are accepted.
            await collect(socket, "ping", 5, 5000, { rejectOn: ["close"] });
            assert.equal(socket.readyState, "open", `${transport} still open`);
            socket.send("still alive");
            await waitForCount(socket, received, 1, 5000, "echoes");
            assert.deepEqual(received, ["still alive"]);
          } finally {
            await closeSocket(socket);
          }
        }),
      );
    } finally {
      await hb.stop();
    }
  });
});

describe("engine.io maxHttpBufferSize", () => {
  const LIMIT = 10_000;
  let small;

  before(async () => {
    small = await startServer({ env: { MAX_HTTP_BUFFER_SIZE: LIMIT } });
  });

  after(async () => {
    await small?.stop();
  });

  for (const transport of ["polling", "websocket"]) {
    for (const kind of ["text", "binary"]) {
      it(`${transport}: a ${kind} message over MAX_HTTP_BUFFER_SIZE closes the connection`, async () => {
        const { socket, handshake, received } = await openSocket(small.url, { transports: [transport] });
        try {
          assert.equal(handshake.maxPayload, LIMIT);
          // Well under the limit: echoed.
          const ok = kind === "text" ? "y".repeat(LIMIT / 2) : Buffer.alloc(LIMIT / 2, 0xab);
          socket.send(ok);
          await waitForCount(socket, received, 1, 5000, "echoes");
          assertEchoes([ok], received);
          // Over the limit (the data alone is larger than maxPayload): the connection closes.
          const closed = waitFor(socket, "close", 10_000);
          socket.send(kind === "text" ? "z".repeat(LIMIT + 1) : Buffer.alloc(LIMIT + 1, 0xcd));
          await closed;
          assert.equal(socket.readyState, "closed");
          assert.equal(received.length, 1, "the oversized message is not echoed");
        } finally {
          await closeSocket(socket);
        }
      });
    }
  }
});
