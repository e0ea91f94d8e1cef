// The msgpack parser (interop-contract.md "Additions": PARSER=msgpack) with npm socket.io-client 4.8.4 and
// socket.io-msgpack-parser 3.0.2, over WebSocket, polling and polling→upgrade: events, acks both ways, binary
// (native bin values, no attachments), namespaces, middleware errors with data, broadcasts. A client with the
// default parser is refused cleanly and the server keeps serving msgpack clients. Runs against
// SERVER_IMPL=dotnet|node (support/servers.mjs): the Node twin is the reference. Last, a .NET and a Node server, both
// with the msgpack parser, on one Redis (classic, sharded, streams): broadcasts cross in both directions (the adapters
// encode packets themselves, so their wire does not depend on the parser).

import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { io as ioc } from "socket.io-client";
import { Socket as EngineSocket } from "engine.io-client";
import { call, recorder, disconnectAll, transportsOf } from "./support/clients.mjs";
import { startServer, startRedis, waitFor } from "./support/servers.mjs";

const msgpackParser = createRequire(import.meta.url)("socket.io-msgpack-parser");

let server;
const clients = new Set();
let roomCounter = 0;

before(async () => {
  server = await startServer({ env: { SERVER_NAME: "msgpack-server", PARSER: "msgpack" } });
});

after(async () => {
  closeAll();
  await server?.stop();
});

afterEach(() => closeAll());

const closeAll = () => disconnectAll(clients);


function client(nsp, transport, opts = {}) {
  const socket = ioc(`${server.url}${nsp}`, {
    forceNew: true,
    reconnection: false,
    transports: transportsOf(transport),
    parser: msgpackParser,
    ...opts,
  });
  clients.add(socket);
  return socket;
}

async function connect(nsp, transport, opts = {}) {
  const socket = client(nsp, transport, opts);
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  if (transport === "upgrade" && socket.io.engine.transport.name !== "websocket") {
    await waitFor(socket.io.engine, "upgrade", 10_000);
  }
  return socket;
}

for (const transport of ["websocket", "polling", "upgrade"]) {
  describe(`msgpack parser over ${transport}`, () => {
    it("acks a client's event with the same values, binary as binary at any depth", async () => {
      const socket = await connect("/", transport);
      const payload = ["text", 42, -1.5, true, null, { nested: { bytes: Buffer.from([1, 2, 3]) }, list: [Buffer.from([])] }];
      const answer = await call(socket, "echo", ...payload);
      assert.deepEqual(answer, payload);
      assert.ok(Buffer.isBuffer(answer[5].nested.bytes), "binary comes back as a Buffer");
    });

    it("emits to the sender, with and without binary", async () => {
      const socket = await connect("/", transport);
      const back = recorder(socket, "message-back");
      socket.emit("message", "hello", Buffer.from([0xff, 0x00]));
      const [args] = [await back.until(() => true)];
      assert.deepEqual(args, ["hello", Buffer.from([0xff, 0x00])]);
    });

    it("the server's acks: a broadcast with ack collects the clients' answers", async () => {
      const room = `mp-ack-${roomCounter++}`;
      const a = await connect("/", transport);
      const b = await connect("/", transport);
      for (const s of [a, b]) {
        s.on("ask", (payload, ack) => ack({ from: s.id, payload }));
        await call(s, "join", room);
      }
      const [result] = await call(a, "bcast-ack", room, Buffer.from([7]), 3000);
      assert.equal(result.err, null);
      const responses = [...result.responses].sort((x, y) => (x.from < y.from ? -1 : 1));
      const expected = [a.id, b.id].sort().map((from) => ({ from, payload: Buffer.from([7]) }));
      assert.deepEqual(responses, expected);
    });

    it("broadcasts reach every member of a room, encoded once for all of them", async () => {
      const room = `mp-room-${roomCounter++}`;
      const members = [await connect("/", transport), await connect("/", transport), await connect("/", transport)];
      const got = members.map((s) => recorder(s, "msg"));
      for (const s of members) await call(s, "join", room);
      await call(members[0], "bcast-all", room, { text: "all", bin: Buffer.from([9, 8]) });
      for (const r of got) {
        const [payload] = await r.until(() => true);
        assert.deepEqual(payload, { text: "all", bin: Buffer.from([9, 8]) });
      }

      const except = recorder(members[1], "msg");
      await call(members[0], "bcast", room, "not to the sender");
      assert.deepEqual(await except.until((args) => args[0] === "not to the sender"), ["not to the sender"]);
    });

    it("namespaces: a dynamic child, /custom, and an invalid one refused with its message", async () => {
      const dyn = await connect("/dyn-7", transport);
      assert.deepEqual(await call(dyn, "echo", "in dyn"), ["in dyn"]);
      await connect("/custom", transport);

      const invalid = client("/nope", transport);
      const [err] = await waitFor(invalid, "connect_error", 10_000);
      assert.equal(err.message, "Invalid namespace");
    });

    it("middleware: a refusal carries its message and data; a valid token connects", async () => {
      const refused = client("/mw", transport, { auth: { token: "bad" } });
      const [err] = await waitFor(refused, "connect_error", 10_000);
      assert.equal(err.message, "not authorized");
      assert.deepEqual(err.data, { reason: "bad token" });

      const accepted = await connect("/mw", transport, { auth: { token: "valid" } });
      assert.deepEqual(await call(accepted, "echo", 1), [1]);
    });
  });
}

describe("a client with the default parser against a msgpack server", () => {
  for (const transport of ["websocket", "polling"]) {
    it(`is refused cleanly over ${transport}, and msgpack clients keep working`, async () => {
      const wrong = ioc(`${server.url}/`, { forceNew: true, reconnection: false, transports: [transport] });
      clients.add(wrong);
      let connected = false;
      wrong.on("connect", () => (connected = true));
      await waitFor(wrong, "disconnect", 10_000);
      assert.equal(connected, false, "the default parser's CONNECT is not understood");

      const right = await connect("/", transport);
      assert.deepEqual(await call(right, "echo", "still fine"), ["still fine"]);
    });
  }
});

describe("malformed msgpack closes only the connection that sent it", () => {
  // Hand-made binary messages on a bare Engine.IO session of /socket.io/ (each checked against the npm decoder).
  const malformed = {
    truncated: "83a47479706502a4646174",
    "no nsp": "82a47479706502a46461746191a161",
    "a string type": "83a474797065a178a464617461c0a36e7370a12f",
    "a string announcing 2 GB": "83a47479706502a46461746191db7fffffffa36e7370a12f",
    "trailing bytes": "82a47479706500a36e7370a12f00",
  };
  for (const transport of ["websocket", "polling"]) {
    for (const [what, hex] of Object.entries(malformed)) {
      it(`${what} over ${transport}`, async () => {
        const good = await connect("/", transport);
        const bad = new EngineSocket(server.url, { path: "/socket.io/", transports: [transport] });
        try {
          await waitFor(bad, "open", 10_000);
          const closed = waitFor(bad, "close", 10_000);
          bad.send(Buffer.from(hex, "hex"));
          await closed;
        } finally {
          bad.close();
        }
        assert.deepEqual(await call(good, "echo", what), [what], "the other connection is untouched");
      });
    }
  }
});

describe("connection state recovery with the msgpack parser", () => {
  let recovering;
  before(async () => {
    recovering = await startServer({ env: { SERVER_NAME: "msgpack-recovery", PARSER: "msgpack", STATE_RECOVERY: 60_000 } });
  });
  after(async () => {
    closeAll();
    await recovering?.stop();
  });

  it("a client that lost its connection gets its id back and the binary packets it missed, offsets included", async () => {
    const open = async () => {
      const socket = ioc(`${recovering.url}/`, { forceNew: true, reconnection: false, transports: ["websocket"], parser: msgpackParser });
      clients.add(socket);
      await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
      return socket;
    };
    const observer = await open();
    const socket = await open();
    const id = socket.id;
    const msgs = recorder(socket, "msg");
    await call(socket, "join", "mp-recovery");
    await call(observer, "bcast-all", "mp-recovery", "before");
    await msgs.until((m) => m[0] === "before");
    assert.equal(typeof msgs.list[0][1], "string", "an event carries its offset as the last argument");

    const gone = waitFor(socket, "disconnect", 5000);
    socket.io.engine.close();
    await gone;
    // The server has seen the connection end once the room no longer lists the socket (bounded).
    const deadline = Date.now() + 10_000;
    while ((await call(observer, "fetch", "mp-recovery"))[0].some((s) => s.id === id)) {
      if (Date.now() > deadline) throw new Error("the server still lists the lost socket");
      await new Promise((resolve) => setImmediate(resolve));
    }
    await call(observer, "bcast-all", "mp-recovery", { missed: Buffer.from([1, 2]) });

    socket.connect();
    await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
    assert.equal(socket.recovered, true);
    assert.equal(socket.id, id);
    const [missed] = await msgs.until((m) => Buffer.isBuffer(m[0]?.missed));
    assert.deepEqual(missed, { missed: Buffer.from([1, 2]) });
  });
});

describe("a mixed .NET/Node cluster, both with the msgpack parser", () => {
  let redis;
  let skipReason;

  before(async () => {
    redis = await startRedis();
    if (redis.skip) {
      if (process.env.CI === "true") throw new Error(`cluster tests need Redis: ${redis.skip}`);
      skipReason = redis.skip;
    }
  });

  after(async () => {
    await redis?.stop?.();
  });

  for (const adapter of ["classic", "sharded", "streams"]) {
    it(`broadcasts with binary cross between the servers (${adapter} adapter)`, async (t) => {
      if (skipReason) return t.skip(skipReason);
      const env = { REDIS_URL: redis.url, REDIS_ADAPTER: adapter, REDIS_KEY: `msgpack-${adapter}-${process.pid}`, PARSER: "msgpack" };
      const servers = await Promise.all([
        startServer({ impl: "dotnet", env: { ...env, SERVER_NAME: "mp-dotnet" } }),
        startServer({ impl: "node", env: { ...env, SERVER_NAME: "mp-node" } }),
      ]);
      try {
        const sockets = [];
        for (const srv of servers) {
          const socket = ioc(`${srv.url}/`, { forceNew: true, reconnection: false, transports: ["websocket"], parser: msgpackParser });
          clients.add(socket);
          await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
          sockets.push(socket);
        }
        const room = `mp-cluster-${adapter}`;
        for (const s of sockets) await call(s, "join", room);
        const got = sockets.map((s) => recorder(s, "msg"));

        for (const [i, sender] of sockets.entries()) {
          const payload = { from: i, bin: Buffer.from([i, 0xfe]) };
          // A cluster-wide broadcast is acked once this server has published it; the other server may still be
          // subscribing on a fresh start, so the first one is retried until it arrives (bounded).
          const deadline = Date.now() + 10_000;
          for (;;) {
            await call(sender, "bcast-all", room, payload);
            const arrived = await Promise.all(got.map((r) => r.until((args) => args[0]?.from === i, 1000).then(() => true, () => false)));
            if (arrived.every(Boolean)) break;
            if (Date.now() > deadline) throw new Error(`broadcast from server ${i} did not reach both servers: ${JSON.stringify(arrived)}`);
          }
          for (const r of got) {
            const [received] = r.list.find((args) => args[0]?.from === i);
            assert.deepEqual(received, payload);
            assert.ok(Buffer.isBuffer(received.bin), "binary stays binary across the cluster");
          }
        }
      } finally {
        closeAll();
        await Promise.all(servers.map((s) => s.stop()));
      }
    });
  }
});
