// Namespace lifecycle (interop-contract.md "Additions": CLEANUP_EMPTY_CHILD_NAMESPACES, namespaces()): a dynamic child
// namespace whose last socket leaves is removed, and made again on the next CONNECT; static namespaces and "/" stay.
// Runs against SERVER_IMPL=dotnet|node (support/servers.mjs).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as ioc } from "socket.io-client";
import { call } from "./support/clients.mjs";
import { startServer, waitFor } from "./support/servers.mjs";

async function connect(url, nsp) {
  const socket = ioc(`${url}${nsp}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  return socket;
}

/** Polls `namespaces()` (bounded) until `pred` holds: the server removes a namespace after the socket has left. */
async function namespacesUntil(observer, pred, label) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [names] = await call(observer, "namespaces");
    if (pred(names)) return names;
    if (Date.now() > deadline) throw new Error(`${label}; namespaces: ${JSON.stringify(names)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

for (const cleanup of [true, false]) {
  describe(`CLEANUP_EMPTY_CHILD_NAMESPACES=${cleanup ? 1 : 0}`, () => {
    let server;
    before(async () => {
      server = await startServer({ env: { CLEANUP_EMPTY_CHILD_NAMESPACES: cleanup ? 1 : 0 } });
    });
    after(async () => server?.stop());

    it(cleanup ? "an emptied dynamic child namespace is removed, and made again on the next CONNECT" : "an emptied dynamic child namespace stays", async () => {
      const observer = await connect(server.url, "/");
      const child = await connect(server.url, "/dyn-42");
      const peer = await connect(server.url, "/dyn-42");
      assert.ok((await call(observer, "namespaces"))[0].includes("/dyn-42"));

      child.disconnect();
      // One socket left: the namespace stays either way.
      assert.equal((await call(peer, "echo", "still here"))[0], "still here");
      assert.ok((await call(observer, "namespaces"))[0].includes("/dyn-42"));

      peer.disconnect();
      if (cleanup) {
        const names = await namespacesUntil(observer, (n) => !n.includes("/dyn-42"), "/dyn-42 was never removed");
        assert.ok(names.includes("/") && names.includes("/mw"), "static namespaces stay");
        const back = await connect(server.url, "/dyn-42");
        assert.equal((await call(back, "echo", "again"))[0], "again");
        assert.ok((await call(observer, "namespaces"))[0].includes("/dyn-42"));
        back.disconnect();
      } else {
        // A round trip on "/" after the disconnect: had the namespace been removed, it would be gone by now.
        await call(observer, "echo", "sync");
        assert.ok((await call(observer, "namespaces"))[0].includes("/dyn-42"));
      }
      observer.disconnect();
    });
  });
}

describe("engine-errors(): io.engine's connection_error reaches the application", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.stop());

  it("counts refused requests with the reference's code and message", async () => {
    const observer = await connect(server.url, "/");
    const [before] = await call(observer, "engine-errors");
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&sid=unknown-sid`);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 1, message: "Session ID unknown" });
    const bad = await fetch(`${server.url}/socket.io/?EIO=4&transport=bogus`);
    assert.equal(bad.status, 400);

    const deadline = Date.now() + 10_000;
    let after;
    do {
      [after] = await call(observer, "engine-errors");
    } while (after.count < before.count + 2 && Date.now() < deadline);
    assert.equal(after.count, before.count + 2);
    assert.deepEqual(after.last, { code: 0, message: "Transport unknown" });
    observer.disconnect();
  });
});

describe("ID_PREFIX: io.engine.generateId", () => {
  let server;
  before(async () => {
    server = await startServer({ env: { ID_PREFIX: "tenant42-" } });
  });
  after(async () => server?.stop());

  for (const transport of ["polling", "websocket"]) {
    it(`the Engine.IO id is the generator's over ${transport}`, async () => {
      const socket = ioc(`${server.url}/`, { forceNew: true, reconnection: false, transports: [transport] });
      await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
      assert.match(socket.io.engine.id, /^tenant42-[A-Za-z0-9_-]{20}$/);
      assert.doesNotMatch(socket.id, /^tenant42-/, "the Socket.IO id is not the Engine.IO one");
      socket.disconnect();
    });
  }
});
