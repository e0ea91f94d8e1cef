// The Socket.IO Admin UI in a mixed cluster (interop-contract.md "Additions": ADMIN_UI with REDIS_URL): a .NET and
// a Node server instrumented on one Redis (classic @socket.io/redis-adapter) report under their own serverId to a
// dashboard connected to either one; it lists the sockets of both, and its commands reach sockets on both.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as ioc } from "socket.io-client";
import { call, recorder } from "./support/clients.mjs";
import { startServer, startRedis, waitFor } from "./support/servers.mjs";

let redis;
let skipReason;
const servers = {};

before(async () => {
  redis = await startRedis();
  if (redis.skip) {
    if (process.env.CI === "true") throw new Error(`cluster tests need Redis: ${redis.skip}`);
    skipReason = redis.skip;
    return;
  }
  const env = { ADMIN_UI: "1", REDIS_URL: redis.url, REDIS_KEY: `admin-${process.pid}` };
  [servers.dotnet, servers.node] = await Promise.all([
    startServer({ impl: "dotnet", env: { ...env, SERVER_NAME: "dn-1" } }),
    startServer({ impl: "node", env: { ...env, SERVER_NAME: "nd-1" } }),
  ]);
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  await redis?.stop?.();
});

async function connect(url, nsp) {
  const socket = ioc(`${url}${nsp}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
  const events = {};
  for (const e of ["all_sockets", "server_stats"]) events[e] = recorder(socket, e);
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  return { socket, events };
}

for (const via of ["dotnet", "node"]) {
  describe(`a dashboard on the ${via} server`, () => {
    it("sees both servers' stats and sockets, and its commands reach a socket on either", async (t) => {
      if (skipReason) return t.skip(skipReason);
      const onDotnet = await connect(servers.dotnet.url, "/");
      const onNode = await connect(servers.node.url, "/");
      const admin = await connect(servers[via].url, "/admin");
      try {
        const [all] = await admin.events.all_sockets.until(() => true, 10_000);
        for (const [label, c] of [["dotnet", onDotnet.socket], ["node", onNode.socket]]) {
          const listed = all.find((s) => s.id === c.id);
          assert.ok(listed, `the ${label} socket is listed: ${JSON.stringify(all.map((s) => s.id))}`);
          assert.equal(listed.transport, "websocket", `${label}'s _admin data crosses the cluster`);
          assert.equal(listed.clientId, c.io.engine.id.slice(0, 12));
          assert.deepEqual(listed.data, {});
        }

        await admin.events.server_stats.until(() => {
          const ids = new Set(admin.events.server_stats.list.map(([s]) => s.serverId));
          return ids.has("dn-1") && ids.has("nd-1");
        }, 10_000, "server_stats from dn-1 and nd-1");

        for (const c of [onDotnet.socket, onNode.socket]) {
          admin.socket.emit("join", "/", `picked-by-${via}`, c.id);
        }
        const deadline = Date.now() + 10_000;
        for (const c of [onDotnet.socket, onNode.socket]) {
          for (;;) {
            const [state] = await call(c, "state");
            if (state.rooms.includes(`picked-by-${via}`)) break;
            if (Date.now() > deadline) throw new Error(`join did not reach ${c.id}: ${JSON.stringify(state)}`);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }

        const kicked = waitFor(onNode.socket, "disconnect", 10_000);
        const kickedToo = waitFor(onDotnet.socket, "disconnect", 10_000);
        admin.socket.emit("_disconnect", "/", false, `picked-by-${via}`);
        assert.equal((await kicked)[0], "io server disconnect");
        assert.equal((await kickedToo)[0], "io server disconnect");
      } finally {
        for (const c of [onDotnet, onNode, admin]) c.socket.close();
      }
    });
  });
}
