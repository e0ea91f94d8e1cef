// .NET servers on a real Redis Cluster (three primaries, no replicas, started on free ports): the sharded adapter
// (SPUBLISH/SSUBSCRIBE routed by slot, SHARDNUMSUB summed over the primaries) and the classic one (PUBLISH, NUMSUB
// summed). Node's twin is left out: it uses a single-node client. Needs redis-server and redis-cli.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io as ioc } from "socket.io-client";
import { callWithin, recorder } from "./support/clients.mjs";
import { freePort, startServer, waitFor, withTimeout } from "./support/servers.mjs";

const call = (socket, event, ...args) => callWithin(socket, 8000, event, ...args);
const has = (bin) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const skipReason = process.env.SERVER_IMPL === "node"
  ? "a .NET-only check (SERVER_IMPL=node)"
  : !has("redis-server") || !has("redis-cli") ? "redis-server and redis-cli are needed" : null;

let nodes = [];
let dir;
let firstPort;

before(async () => {
  if (skipReason) {
    if (process.env.CI === "true" && process.env.SERVER_IMPL !== "node") throw new Error(skipReason);
    return;
  }
  dir = mkdtempSync(path.join(tmpdir(), "redis-cluster-"));
  const ports = [await freePort(), await freePort(), await freePort()];
  firstPort = ports[0];
  nodes = ports.map((port) =>
    spawn("redis-server", [
      "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
      "--cluster-enabled", "yes", "--cluster-config-file", path.join(dir, `nodes-${port}.conf`),
      "--dir", dir,
    ], { stdio: "ignore" }),
  );
  // Wait until every node answers, then join them into one cluster and wait for it to be ok.
  await withTimeout(
    (async () => {
      for (const port of ports) {
        while (spawnSync("redis-cli", ["-p", String(port), "ping"]).stdout?.toString().trim() !== "PONG") {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })(),
    15_000,
    "redis nodes to start",
  );
  const create = spawnSync("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"]);
  assert.equal(create.status, 0, create.stdout.toString() + create.stderr.toString());
  await withTimeout(
    (async () => {
      while (!/cluster_state:ok/.test(spawnSync("redis-cli", ["-p", String(firstPort), "cluster", "info"]).stdout.toString())) {
        await new Promise((r) => setTimeout(r, 100));
      }
    })(),
    20_000,
    "the cluster to be ok",
  );
});

after(() => {
  for (const n of nodes) n.kill("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function connect(srv) {
  const socket = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  return socket;
}

for (const adapter of ["sharded", "classic"]) {
  describe(`two .NET servers on a Redis Cluster (${adapter})`, () => {
    it("broadcast, fetchSockets, serverSideEmit with ack and broadcast acks cross the cluster", async (t) => {
      if (skipReason) return t.skip(skipReason);
      const env = { REDIS_URL: `redis://127.0.0.1:${firstPort}`, REDIS_ADAPTER: adapter, REDIS_KEY: `rc-${adapter}-${process.pid}`, REQUESTS_TIMEOUT: 3000 };
      const [A, B] = await Promise.all([startServer({ impl: "dotnet", env: { ...env, SERVER_NAME: "a" } }), startServer({ impl: "dotnet", env: { ...env, SERVER_NAME: "b" } })]);
      const sockets = [];
      try {
        const [a, b] = await Promise.all([connect(A), connect(B)]);
        sockets.push(a, b);
        // Both servers counted (the sum over primaries) and both sockets listed.
        await withTimeout(
          (async () => {
            for (;;) {
              const [list] = await call(a, "fetch", null);
              if (Array.isArray(list) && list.length === 2) return;
              await new Promise((r) => setTimeout(r, 100));
            }
          })(),
          15_000,
          "fetch to list both sockets",
        );
        const got = recorder(b, "msg");
        await call(b, "join", "room-x");
        for (let i = 0; i < 50 && !got.list.length; i++) {
          // The room subscription is asynchronous in dynamic mode: resend until it is live (bounded).
          await call(a, "bcast-all", "room-x", { i });
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(got.list.length > 0, "a room broadcast from A reached B's client");
        const [sse] = await call(a, "sse-ack", "who", 6000);
        assert.deepEqual(sse, { err: null, responses: ["b"] });
        a.on("ask", (p, cb) => cb(`a:${p}`));
        b.on("ask", (p, cb) => cb(`b:${p}`));
        const [acks] = await call(b, "bcast-ack", null, "q", 4000);
        assert.equal(acks.err, null);
        assert.deepEqual([...acks.responses].sort(), ["a:q", "b:q"]);
      } finally {
        for (const s of sockets) s.disconnect();
        await Promise.all([A.stop(), B.stop()]);
      }
    });
  });
}
