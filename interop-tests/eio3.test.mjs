// Engine.IO v3 and the Socket.IO v4 protocol of socket.io 2.x clients (interop-contract.md "Additions": ALLOW_EIO3):
// npm socket.io-client 2.5.0 (installed as socket.io-client-v2) over polling, websocket and the upgrade; raw v3
// payloads for the parts no client sends on purpose. Runs against SERVER_IMPL=dotnet|node (support/servers.mjs).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { io as ioc4 } from "socket.io-client";
import { DEFAULT_SERVER_NAME, startServer, waitFor } from "./support/servers.mjs";

const require = createRequire(import.meta.url);
const ioc2 = require("socket.io-client-v2");

const MODES = { polling: ["polling"], websocket: ["websocket"], upgrade: ["polling", "websocket"] };

/** A 2.x client has no `timeout()`: an ack within `ms`, or a rejection. */
function call2(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for "${event}" within 10000 ms`)), 10_000);
    socket.emit(event, ...args, (...res) => {
      clearTimeout(timer);
      resolve(res);
    });
  });
}

function connect2(url, nsp, transports, query) {
  const socket = ioc2(`${url}${nsp}`, { forceNew: true, reconnection: false, transports, ...(query ? { query } : {}) });
  return socket;
}

async function connected2(url, nsp, transports, query) {
  const socket = connect2(url, nsp, transports, query);
  await waitFor(socket, "connect", 10_000, { rejectOn: ["error", "connect_error"] });
  return socket;
}

/** Resolves once the 2.x client's engine has upgraded (or at once for a single transport). */
async function settled(socket, transports) {
  const engine = socket.io.engine;
  if (transports.length === 1 || engine.transport.name === "websocket") return;
  await waitFor(engine, "upgrade", 10_000);
}

async function rawPoll(url, path, query, init) {
  const res = await fetch(`${url}${path}?${query}`, init);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

/** A raw v3 polling handshake; returns the sid and the open packet. */
async function rawHandshake(url, path, extra = "") {
  const { status, body } = await rawPoll(url, path, `EIO=3&transport=polling${extra}`);
  assert.equal(status, 200);
  const match = /^(\d+):0(.*)$/s.exec(body);
  assert.ok(match, `a v3 payload with the open packet: ${body}`);
  assert.equal(Number(match[1]), match[2].length + 1, "the length counts the packet");
  return JSON.parse(match[2]);
}

describe("ALLOW_EIO3=1", () => {
  let server;
  before(async () => {
    // A short heartbeat, so that "stays alive" spans several ping rounds.
    server = await startServer({ env: { ALLOW_EIO3: 1, PING_INTERVAL: 300, PING_TIMEOUT: 300 } });
  });
  after(async () => server?.stop());

  for (const [mode, transports] of Object.entries(MODES)) {
    describe(mode, () => {
      it("connects to / at once; the socket id is the Engine.IO id; events and acks with text and binary", async () => {
        const socket = await connected2(server.url, "/", transports);
        await settled(socket, transports);
        assert.equal(socket.id, socket.io.engine.id);
        assert.deepEqual(await call2(socket, "whoami"), [{ server: DEFAULT_SERVER_NAME[server.impl], id: socket.id }]);
        assert.deepEqual(await call2(socket, "echo", "é€😀", { a: [1, null, true] }), ["é€😀", { a: [1, null, true] }]);
        const [bin, text] = await call2(socket, "echo", Buffer.from([1, 2, 3, 255]), "x");
        assert.ok(Buffer.isBuffer(bin), "binary stays binary");
        assert.deepEqual([...bin], [1, 2, 3, 255]);
        assert.equal(text, "x");
        const back = waitFor(socket, "message-back", 5000);
        socket.emit("message", { nested: Buffer.from([9]) }, 7);
        const [obj, n] = await back;
        assert.deepEqual([...obj.nested], [9]);
        assert.equal(n, 7);
        socket.close();
      });

      it("namespaces: CONNECT with a query (the handshake auth), middleware refusal as an error event, invalid namespace", async () => {
        const custom = await connected2(server.url, "/custom", transports, { a: "1" });
        assert.equal(custom.id, `/custom#${custom.io.engine.id}`);
        custom.close();

        const refused = connect2(server.url, "/mw", transports, { token: "bad" });
        const [err] = await waitFor(refused, "error", 10_000, { rejectOn: ["connect"] });
        assert.deepEqual(err, { reason: "bad token" }, "a 2.x client gets err.data as it is");
        refused.close();

        const admitted = await connected2(server.url, "/mw", transports, { token: "valid" });
        assert.deepEqual(await call2(admitted, "echo", "in"), ["in"]);
        admitted.close();

        const invalid = connect2(server.url, "/nowhere", transports);
        const [invalidErr] = await waitFor(invalid, "error", 10_000, { rejectOn: ["connect"] });
        assert.deepEqual(invalidErr, { message: "Invalid namespace" });
        invalid.close();
      });

      it("acks from the server side, rooms, and broadcasts between a 2.x and a 4.x client", async () => {
        const old = await connected2(server.url, "/", transports);
        await settled(old, transports);
        const modern = ioc4(server.url, { forceNew: true, reconnection: false, transports });
        await waitFor(modern, "connect", 10_000, { rejectOn: ["connect_error"] });
        const room = `r-${mode}`;
        assert.deepEqual(await call2(old, "join", room), [1]);
        await new Promise((resolve) => modern.emit("join", room, resolve));

        const toModern = waitFor(modern, "msg", 5000);
        assert.deepEqual(await call2(old, "bcast", room, { from: "v2", bin: Buffer.from([4, 2]) }), []);
        const [gotModern] = await toModern;
        assert.equal(gotModern.from, "v2");
        assert.deepEqual([...new Uint8Array(gotModern.bin)], [4, 2]);

        const toOld = waitFor(old, "msg", 5000);
        await new Promise((resolve) => modern.emit("bcast", room, { from: "v4" }, resolve));
        assert.deepEqual(await toOld, [{ from: "v4" }]);

        // The server asks both for an ack (emitWithAck to the room); the 2.x client answers like any other.
        old.on("ask", (payload, ack) => ack(`old:${payload}`));
        modern.on("ask", (payload, ack) => ack(`new:${payload}`));
        const [result] = await call2(old, "bcast-ack", room, "q", 3000);
        assert.equal(result.err, null);
        assert.deepEqual(result.responses.sort(), ["new:q", "old:q"]);

        // kick: the server disconnects the 2.x socket.
        const gone = waitFor(old, "disconnect", 5000);
        await new Promise((resolve) => modern.emit("kick", old.id, resolve));
        assert.deepEqual(await gone, ["io server disconnect"]);
        old.close();
        modern.close();
      });

      it("the client's pings keep the session alive past pingInterval + pingTimeout", async () => {
        const socket = await connected2(server.url, "/", transports);
        await settled(socket, transports);
        const engineId = socket.io.engine.id;
        let pongs = 0;
        socket.io.engine.on("pong", () => pongs++);
        const disconnected = [];
        socket.on("disconnect", (reason) => disconnected.push(reason));
        // Bounded by pongs, not by time: three ping rounds are well past pingInterval + pingTimeout (600 ms).
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`only ${pongs} pongs in 10 s`)), 10_000);
          socket.io.engine.on("pong", () => pongs >= 3 && (clearTimeout(timer), resolve()));
        });
        assert.deepEqual(disconnected, []);
        assert.equal(socket.io.engine.id, engineId);
        assert.deepEqual(await call2(socket, "echo", "alive"), ["alive"]);
        socket.close();
      });
    });
  }

  it("a silent v3 session is closed after pingInterval + pingTimeout", async () => {
    const { sid } = await rawHandshake(server.url, "/socket.io/");
    // The implicit CONNECT to / (the session stays silent: no ping).
    assert.equal((await rawPoll(server.url, "/socket.io/", `EIO=3&transport=polling&sid=${sid}`)).body, "2:40");
    const next = await rawPoll(server.url, "/socket.io/", `EIO=3&transport=polling&sid=${sid}`);
    // The pending GET is released with the close (or the session is gone by the time it is read).
    assert.ok(next.status === 400 || next.body.includes("1:1") || next.body === "1:6", JSON.stringify(next));
  });

  it("v3 polling framing: lengths in UTF-16 units, binary as b4+base64, a ping answered with a pong", async () => {
    const { sid, upgrades, pingInterval, pingTimeout, maxPayload } = await rawHandshake(server.url, "/socket.io/", "&b64=1");
    assert.deepEqual({ upgrades, pingInterval, pingTimeout, maxPayload }, { upgrades: ["websocket"], pingInterval: 300, pingTimeout: 300, maxPayload: 1_000_000 });
    const q = `EIO=3&transport=polling&sid=${sid}&b64=1`;
    assert.equal((await rawPoll(server.url, "/socket.io/", q)).body, "2:40");
    const post = (body) => rawPoll(server.url, "/socket.io/", q, { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" } });
    const packet = '42["echo","é😀"]';
    assert.equal(packet.length, 16);
    assert.equal((await post(`1:2${packet.length}:${packet}`)).body, "ok");
    const answer = await rawPoll(server.url, "/socket.io/", q);
    assert.equal(answer.type, "text/plain; charset=UTF-8");
    assert.equal(answer.body, `1:3${packet.length}:${packet}`);

    const binaryEvent = '451-["echo",{"_placeholder":true,"num":0}]';
    assert.equal((await post(`${binaryEvent.length}:${binaryEvent}6:b4AQID`)).body, "ok");
    assert.equal((await rawPoll(server.url, "/socket.io/", q)).body, `${binaryEvent.length}:${binaryEvent}6:b4AQID`);
  });

  for (const [label, body] of [
    ["a length that is not a number", "x:40"],
    ["a length past the body", "99:42[\"echo\"]"],
    ["a bad packet type", "2:9x"],
    ["trailing characters", "1:2junk"],
  ]) {
    it(`a malformed v3 payload (${label}) closes only that session`, async () => {
      const bystander = await connected2(server.url, "/", ["polling"]);
      const { sid } = await rawHandshake(server.url, "/socket.io/");
      const q = `EIO=3&transport=polling&sid=${sid}`;
      assert.equal((await rawPoll(server.url, "/socket.io/", q)).body, "2:40");
      const res = await rawPoll(server.url, "/socket.io/", q, { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" } });
      assert.equal(res.status, 200, "the POST is answered ok, as engine.io does");
      const after = await rawPoll(server.url, "/socket.io/", q);
      assert.ok(after.status === 400 || after.body === "1:61:1" || after.body === "1:1", `closed: ${JSON.stringify(after)}`);
      const again = await rawPoll(server.url, "/socket.io/", q);
      assert.equal(again.status, 400);
      assert.deepEqual(JSON.parse(again.body), { code: 1, message: "Session ID unknown" });
      assert.deepEqual(await call2(bystander, "echo", "unaffected"), ["unaffected"]);
      bystander.close();
    });
  }

  it("/engine.io/ echoes over v3 polling", async () => {
    const { sid } = await rawHandshake(server.url, "/engine.io/", "&b64=1");
    const q = `EIO=3&transport=polling&sid=${sid}&b64=1`;
    const res = await rawPoll(server.url, "/engine.io/", q, { method: "POST", body: "6:4hello6:b4AQID", headers: { "content-type": "text/plain;charset=UTF-8" } });
    assert.equal(res.body, "ok");
    assert.equal((await rawPoll(server.url, "/engine.io/", q)).body, "6:4hello6:b4AQID");
  });

  it("an EIO=4 request for a v3 session is a protocol mismatch", async () => {
    const { sid } = await rawHandshake(server.url, "/socket.io/");
    const res = await rawPoll(server.url, "/socket.io/", `EIO=4&transport=polling&sid=${sid}`);
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), { code: 3, message: "Bad request" });
  });
});

describe("without ALLOW_EIO3", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.stop());

  it("an EIO=3 handshake is refused with code 5, and a 2.x client cannot connect", async () => {
    const res = await rawPoll(server.url, "/socket.io/", "EIO=3&transport=polling");
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), { code: 5, message: "Unsupported protocol version" });
    const socket = connect2(server.url, "/", ["polling"]);
    await waitFor(socket, "connect_error", 10_000, { rejectOn: ["connect"] });
    socket.close();
  });
});
