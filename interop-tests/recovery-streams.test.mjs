// Connection state recovery across a mixed cluster on @socket.io/redis-streams-adapter 0.3.1 (interop-contract.md
// "Additions": REDIS_ADAPTER=streams with STATE_RECOVERY): a client that lost its connection to a Node server comes
// back to a .NET one, and the reverse, and gets its id, rooms, data and every packet sent to it meanwhile, whichever
// server sent them. The offsets are stream entry ids, the same on every server; the session lives in Redis.
// Coming back "to another server" is done as a load balancer would: a new socket.io-client 4.8.4 socket to the other
// server that presents the private session id and last offset the first one kept.

import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io as ioc } from "socket.io-client";
import { createClient } from "redis";
import { callWithin, recorder, byString } from "./support/clients.mjs";
import { startServer, startRedis, waitFor } from "./support/servers.mjs";

const NODE_ONLY = process.env.SERVER_IMPL === "node";
const call = (socket, event, ...args) => callWithin(socket, 8000, event, ...args);

let redis;
let skipReason;
let servers = {};
let pub;
let key;
const clients = new Set();
let roomCounter = 0;

before(async () => {
  redis = await startRedis();
  if (redis.skip) {
    if (process.env.CI === "true") throw new Error(`recovery-streams needs Redis: ${redis.skip}`);
    skipReason = redis.skip;
    return;
  }
  key = `recovery-streams-${process.pid}`;
  pub = createClient({ url: redis.url });
  pub.on("error", () => {});
  await pub.connect();
  const env = { REDIS_URL: redis.url, REDIS_ADAPTER: "streams", REDIS_KEY: key, STATE_RECOVERY: 60_000, REQUESTS_TIMEOUT: 3000 };
  // SERVER_IMPL=node runs the same checks on two Node servers: the reference every assertion was checked against.
  const [dotnet, node] = await Promise.all([
    startServer({ impl: NODE_ONLY ? "node" : "dotnet", env: { ...env, SERVER_NAME: "dotnet" } }),
    startServer({ impl: "node", env: { ...env, SERVER_NAME: "node" } }),
  ]);
  servers = { dotnet, node };
});

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  await pub?.quit().catch(() => {});
  await redis?.stop?.();
});

afterEach(() => {
  for (const c of clients) c.disconnect();
  clients.clear();
});

async function connect(srv, opts = {}) {
  const socket = ioc(`${srv.url}/`, { forceNew: true, reconnection: false, transports: ["websocket"], ...opts });
  clients.add(socket);
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  return socket;
}

/** Polls (bounded) until no server lists `id` in `room` any more: its server has seen the connection end. */
async function untilGone(observer, room, id) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [sockets] = await call(observer, "fetch", room);
    if (!sockets.some((s) => s.id === id)) return;
    if (Date.now() > deadline) throw new Error(`the cluster still lists ${id} in ${room}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `bcast-all`, then waits (bounded: XREAD BLOCK from the stream's last entry) until its entry is in the stream. A Node
 * server acks `bcast-all` before its XADD has reached Redis (node-redis writes on setImmediate), so without this the
 * next sender's entry may land first and the missed packets' order would be the race's, not the cluster's.
 */
async function broadcastLanded(observer, room, payload) {
  const [last] = await pub.xRevRange(key, "+", "-", { COUNT: 1 });
  await call(observer, "bcast-all", room, payload);
  const added = await pub.xRead({ key, id: last?.id ?? "0-0" }, { BLOCK: 10_000, COUNT: 1 });
  if (!added) throw new Error(`the broadcast of ${payload} never reached the stream ${key}`);
}

for (const [from, to] of [["node", "dotnet"], ["dotnet", "node"]]) {
  describe(`recovery from ${from} to ${to} on the streams adapter${NODE_ONLY ? " (both Node: SERVER_IMPL=node)" : ""}`, () => {
    it("comes back with its id, rooms, data and every missed packet from both servers, in order", async (t) => {
      if (skipReason) return t.skip(skipReason);
      const room = `r${++roomCounter}`;
      const onFrom = await connect(servers[from]);
      const onTo = await connect(servers[to]);
      const socket = await connect(servers[from]);
      const id = socket.id;
      const before = recorder(socket, "msg");
      await call(socket, "join", room);
      await call(socket, "set-data", { user: "ada", from });
      await call(onTo, "bcast-all", room, "before");
      await before.until((m) => m[0] === "before");
      const offset = before.list[0][1];
      assert.match(offset, /^[0-9]+-[0-9]+$/, "the offset is a stream entry id");

      socket.io.engine.close();
      await untilGone(onTo, room, id);
      await broadcastLanded(onFrom, room, "missed 1");
      await broadcastLanded(onTo, null, "missed 2");
      await broadcastLanded(onTo, id, "missed 3");
      await call(onFrom, "bcast-all", `${room}-other`, "not for it");
      await call(onFrom, "bcast-except", null, room, "excluded");

      const back = ioc(`${servers[to].url}/`, { forceNew: true, reconnection: false, transports: ["websocket"] });
      clients.add(back);
      back._pid = socket._pid;
      back._lastOffset = socket._lastOffset;
      const msgs = recorder(back, "msg");
      await waitFor(back, "connect", 10_000, { rejectOn: ["connect_error"] });
      assert.equal(back.recovered, true);
      assert.equal(back.id, id);
      await msgs.until((m) => m[0] === "missed 3");
      assert.deepEqual(msgs.list.map((m) => m[0]), ["missed 1", "missed 2", "missed 3"]);
      for (const m of msgs.list) assert.match(m[1], /^[0-9]+-[0-9]+$/);
      const [state] = await call(back, "state");
      assert.deepEqual(state, { id, recovered: true, rooms: [id, room].sort(byString), data: { user: "ada", from } });

      // Live again, from both servers, with offsets. Two senders' broadcasts are not ordered with each other (the
      // server's own one is delivered on its XADD reply, the other's when its XREAD returns), so only the set counts.
      await call(onFrom, "bcast-all", room, "after 1");
      await call(onTo, "bcast-all", room, "after 2");
      await msgs.until((m) => m[0] === "after 1");
      await msgs.until((m) => m[0] === "after 2");
      assert.deepEqual(msgs.list.slice(0, 3).map((m) => m[0]), ["missed 1", "missed 2", "missed 3"]);
      assert.deepEqual(msgs.list.slice(3).map((m) => m[0]).sort(byString), ["after 1", "after 2"]);
      assert.equal(msgs.list.length, 5);
    });

    it("a session is given back once: a second attempt with the same pid gets a fresh socket", async (t) => {
      if (skipReason) return t.skip(skipReason);
      const onTo = await connect(servers[to]);
      const socket = await connect(servers[from]);
      const msgs = recorder(socket, "msg");
      await call(onTo, "bcast-all", socket.id, "seen");
      await msgs.until((m) => m[0] === "seen");
      socket.io.engine.close();
      await untilGone(onTo, null, socket.id);
      const attempt = async () => {
        const s = ioc(`${servers[to].url}/`, { forceNew: true, reconnection: false, transports: ["websocket"] });
        clients.add(s);
        s._pid = socket._pid;
        s._lastOffset = socket._lastOffset;
        await waitFor(s, "connect", 10_000, { rejectOn: ["connect_error"] });
        return s;
      };
      const first = await attempt();
      assert.equal(first.recovered, true);
      const second = await attempt();
      assert.equal(second.recovered, false);
      assert.notEqual(second.id, socket.id);
    });
    it("an offset trimmed from the stream cannot be replayed from: a fresh socket, not a partial replay", async (t) => {
      if (skipReason) return t.skip(skipReason);
      const onTo = await connect(servers[to]);
      const socket = await connect(servers[from]);
      const msgs = recorder(socket, "msg");
      await call(onTo, "bcast-all", socket.id, "seen");
      await msgs.until((m) => m[0] === "seen");
      socket.io.engine.close();
      await untilGone(onTo, null, socket.id);
      await call(onTo, "bcast-all", null, "missed");
      await pub.sendCommand(["XTRIM", key, "MAXLEN", "0"]);
      const back = ioc(`${servers[to].url}/`, { forceNew: true, reconnection: false, transports: ["websocket"] });
      clients.add(back);
      back._pid = socket._pid;
      back._lastOffset = socket._lastOffset;
      await waitFor(back, "connect", 10_000, { rejectOn: ["connect_error"] });
      assert.equal(back.recovered, false);
      assert.notEqual(back.id, socket.id);
    });
  });
}
