// SocketIo.Redis's RedisEmitter (the .NET twin of @socket.io/redis-emitter 5.1.0), in a process of its own with no
// server (interop-tests/emitter), publishing to a server on the classic Redis adapter — the .NET host or the Node
// twin (SERVER_IMPL) — and its socket.io-client 4.8.4 clients: emits to all, rooms and except (binary included),
// other namespaces, flags, socketsJoin/Leave, disconnectSockets, serverSideEmit, and the calls it refuses.

import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io as ioc } from "socket.io-client";
import { callWithin } from "./support/clients.mjs";
import { startServer, startRedis, waitFor } from "./support/servers.mjs";
import { startDotnetEmitter } from "./support/dotnet-emitter.mjs";

const WAIT = 6000;

let redis;
let server;
let emitter;
let skipReason;

const clients = new Set();
afterEach(() => {
  for (const c of clients) c.disconnect();
  clients.clear();
});

before(async () => {
  redis = await startRedis();
  if (redis.skip) {
    if (process.env.CI === "true") throw new Error(`the emitter test needs Redis: ${redis.skip}`);
    skipReason = redis.skip;
    return;
  }
  const key = `emitter-${process.pid}`;
  server = await startServer({ env: { REDIS_URL: redis.url, REDIS_ADAPTER: "classic", REDIS_KEY: key, REQUESTS_TIMEOUT: 3000 } });
  emitter = await startDotnetEmitter({ redisUrl: redis.url, key });
});

after(async () => {
  for (const c of clients) c.disconnect();
  await emitter?.stop();
  await server?.stop();
  await redis?.stop?.();
});

const call = (socket, event, ...args) => callWithin(socket, WAIT, event, ...args);

async function connect(nsp = "/") {
  const socket = ioc(`${server.url}${nsp}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
  clients.add(socket);
  socket.events = anyRecorder(socket);
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  return socket;
}

/** Every event a client receives, as [event, ...args], with a bounded wait for one that matches. */
function anyRecorder(socket) {
  const list = [];
  const waiters = new Set();
  socket.onAny((...args) => {
    list.push(args);
    for (const w of waiters) w();
  });
  /** Resolves with the first event matching `pred`, or with undefined after `ms`. */
  const within = (pred, ms) =>
    new Promise((resolve) => {
      const check = () => {
        const found = list.find(pred);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        resolve(undefined);
      }, ms);
      waiters.add(check);
      check();
    });
  return {
    list,
    names: () => list.map((e) => e[0]).filter((n) => n !== "probe"),
    within,
    async until(pred, label) {
      const found = await within(pred, WAIT);
      if (!found) throw new Error(`timed out after ${WAIT} ms waiting for ${label}; got ${JSON.stringify(list)}`);
      return found;
    },
  };
}

async function run(command) {
  const reply = await emitter.run(command);
  assert.deepEqual(reply.error, undefined, `the .NET emitter refused ${JSON.stringify(command)}`);
  return reply;
}

let fences = 0;
/**
 * An emit to everyone of `nsp` that each of `sockets` must receive: a server reads the broadcast channels of a
 * namespace through one ordered subscription, so whatever the emitter broadcast to them earlier has arrived by then.
 */
async function fence(sockets, nsp) {
  const marker = `fence-${++fences}`;
  await run({ nsp, op: "emit", event: "fence", args: [marker] });
  await Promise.all(sockets.map((s) => s.events.until((e) => e[0] === "fence" && e[1] === marker, marker)));
}

/** Emits probes until `socket` receives one: the server's adapter of `nsp` has subscribed (bounded). */
async function untilSubscribed(socket, nsp) {
  const deadline = Date.now() + WAIT;
  for (let n = 0; ; n++) {
    await run({ nsp, op: "emit", event: "probe", args: [n] });
    if (await socket.events.within((e) => e[0] === "probe", 200)) return;
    if (Date.now() > deadline) throw new Error(`the server never received the emitter's broadcasts on ${nsp}`);
  }
}

/** Asks the server's state() of `socket` until its rooms satisfy `pred` (bounded: each try is a round trip, nothing sleeps). */
async function untilRooms(socket, pred, label) {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const [state] = await call(socket, "state");
    if (pred(state.rooms)) return state.rooms;
    if (Date.now() > deadline) throw new Error(`${label}: rooms are still ${JSON.stringify(state.rooms)}`);
  }
}

describe(`the .NET RedisEmitter reaching a ${process.env.SERVER_IMPL || "dotnet"} server on the classic Redis adapter`, () => {
  it("emit reaches every client of the namespace, binary included", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const socks = await Promise.all([connect(), connect(), connect()]);
    await untilSubscribed(socks[0], "/");

    await run({ op: "emit", event: "from-emitter", args: ["hi", { bin: Buffer.from([1, 2]) }, 42, null, [true, 1.5]] });

    for (const s of socks) {
      const [, text, obj, n, nil, list] = await s.events.until((e) => e[0] === "from-emitter", "from-emitter");
      assert.equal(text, "hi");
      assert.ok(Buffer.isBuffer(obj.bin), "binary stays binary");
      assert.deepEqual([...obj.bin], [1, 2]);
      assert.deepEqual([n, nil, list], [42, null, [true, 1.5]]);
    }
  });

  it("to, in and except choose the clients by their rooms", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const [a, b, c, d] = await Promise.all([connect(), connect(), connect(), connect()]);
    await untilSubscribed(a, "/");
    await call(a, "join", "r1");
    await call(b, "join", "r2");
    await call(b, "join", "muted");
    await call(c, "join", "r1");
    await call(c, "join", "muted");

    await run({ to: ["r1"], op: "emit", event: "to-r1" });
    await run({ to: ["r1", "r2"], except: ["muted"], op: "emit", event: "r1-or-r2-not-muted" });
    await run({ except: ["muted"], op: "emit", event: "not-muted" });
    await run({ to: ["r2", "r2"], op: "emit", event: "in-r2" });
    await fence([a, b, c, d]);

    assert.deepEqual(a.events.names(), ["to-r1", "r1-or-r2-not-muted", "not-muted", "fence"]);
    assert.deepEqual(b.events.names(), ["in-r2", "fence"]);
    assert.deepEqual(c.events.names(), ["to-r1", "fence"]);
    assert.deepEqual(d.events.names(), ["not-muted", "fence"]);
  });

  it("of(nsp) reaches that namespace only (a missing leading slash is added)", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const nsp = `/dyn-${process.pid}`;
    const root = await connect();
    const dyn = await connect(nsp);
    await untilSubscribed(root, "/");
    await untilSubscribed(dyn, nsp.slice(1));

    await run({ nsp: nsp.slice(1), op: "emit", event: "in-dyn", args: [1] });
    await run({ nsp, to: [dyn.id], op: "emit", event: "to-dyn-socket", args: [2] });
    await fence([dyn], nsp);
    await fence([root], "/");

    assert.deepEqual(dyn.events.list.filter((e) => e[0] !== "probe" && e[0] !== "fence"), [["in-dyn", 1], ["to-dyn-socket", 2]]);
    assert.deepEqual(root.events.names(), ["fence"]);
  });

  it("volatile and compress(false) emits are delivered like others", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const a = await connect();
    await untilSubscribed(a, "/");
    await call(a, "join", "flags");
    await fence([a]);

    // Alone on an idle connection: a volatile packet is dropped only while the transport is busy.
    await run({ to: ["flags"], volatile: true, compress: false, op: "emit", event: "flagged", args: ["v"] });
    assert.deepEqual(await a.events.until((e) => e[0] === "flagged", "flagged"), ["flagged", "v"]);
    await run({ compress: true, op: "emit", event: "compressed", args: ["c"] });
    assert.deepEqual(await a.events.until((e) => e[0] === "compressed", "compressed"), ["compressed", "c"]);
  });

  it("socketsJoin and socketsLeave change the rooms of the targeted sockets", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const [a, b] = await Promise.all([connect(), connect()]);
    await untilSubscribed(a, "/");
    await call(a, "join", "seed");

    await run({ to: ["seed"], op: "socketsJoin", rooms: ["grown", "also"] });
    await untilRooms(a, (rooms) => rooms.includes("grown") && rooms.includes("also"), "a joins grown and also");
    await run({ except: ["seed"], op: "socketsJoin", rooms: ["others"] });
    assert.deepEqual(await untilRooms(b, (rooms) => rooms.includes("others"), "b joins others"), [b.id, "others"].sort());
    await run({ to: ["grown"], op: "socketsLeave", rooms: ["also"] });
    await untilRooms(a, (rooms) => !rooms.includes("also"), "a leaves also");
    assert.deepEqual((await call(a, "state"))[0].rooms, [a.id, "grown", "seed"].sort());

    await run({ to: ["grown"], op: "emit", event: "to-grown" });
    await fence([a, b]);
    assert.deepEqual(a.events.names(), ["to-grown", "fence"]);
    assert.deepEqual(b.events.names(), ["fence"]);
  });

  it("disconnectSockets disconnects the targeted sockets, with or without closing the connection", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    await untilSubscribed(a, "/");
    await call(a, "join", "kick");
    await call(b, "join", "kick-close");

    const gone = [waitFor(a, "disconnect", WAIT), waitFor(b, "disconnect", WAIT)];
    await run({ to: ["kick"], op: "disconnectSockets" });
    await run({ to: ["kick-close"], op: "disconnectSockets", close: true });

    assert.deepEqual((await gone[0])[0], "io server disconnect");
    assert.deepEqual((await gone[1])[0], "io server disconnect");
    assert.equal(c.connected, true);
    const [who] = await call(c, "whoami");
    assert.equal(who.id, c.id);
  });

  it("serverSideEmit reaches the server's server-side listeners", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const a = await connect();
    await untilSubscribed(a, "/");

    await run({ op: "serverSideEmit", event: "hello", args: ["from the .NET emitter"] });

    const [, payload] = await a.events.until((e) => e[0] === "hello-from", "hello-from");
    assert.equal(payload.x, "from the .NET emitter");
  });

  it("reserved event names are refused before anything is published", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const a = await connect();
    await untilSubscribed(a, "/");

    for (const event of ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]) {
      const reply = await emitter.run({ op: "emit", event });
      assert.match(reply.error ?? "", new RegExp(`^"${event}" is a reserved event name`));
    }
    for (const event of ["connect", "connection", "new_namespace"]) {
      const reply = await emitter.run({ op: "serverSideEmit", event });
      assert.match(reply.error ?? "", new RegExp(`^"${event}" is a reserved event name`));
    }
    await fence([a]);
    assert.deepEqual(a.events.names(), ["fence"]);
  });
});
