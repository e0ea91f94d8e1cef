// Node's server API as user code touches it (#16): nsp.adapter.rooms / .sids, socket.write, socket.client.
// socket.io-client 4.8.4 against one server without Redis; SERVER_IMPL=dotnet|node (support/servers.mjs).
// The events used (adapter-maps, write, client) are additions to the interop contract on `/` and the dynamic
// namespaces: adapter-maps() acks { rooms: {room: sorted ids}, sids: {id: sorted rooms} } of the socket's namespace,
// write(...args) calls socket.write(...args) then acks, client() acks { conn: socket.client.conn.id, nsps: sorted
// namespace names of socket.client.nsps, sockets: sorted ids of socket.client.sockets }.

import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io as ioc, Manager } from "socket.io-client";
import { call, byString, disconnectAll } from "./support/clients.mjs";
import { startServer, waitFor } from "./support/servers.mjs";

let server;
const clients = new Set();
let nspCounter = 0;

before(async () => {
  server = await startServer();
});

after(async () => {
  disconnectAll(clients);
  await server?.stop();
});

afterEach(() => disconnectAll(clients));

/** A fresh dynamic namespace per test: its adapter holds only that test's sockets. */
function freshNsp() {
  nspCounter += 1;
  return `/dyn-${nspCounter}`;
}

async function connect(nsp) {
  const socket = ioc(`${server.url}${nsp}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
  clients.add(socket);
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  return socket;
}

const sorted = (...items) => [...items].sort(byString);

/** Asks adapter-maps until `settled` holds (bounded: each try is a round trip, nothing sleeps). */
async function mapsUntil(socket, settled, label) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const [maps] = await call(socket, "adapter-maps");
    if (settled(maps)) return maps;
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${label}: ${JSON.stringify(maps)}`);
  }
}

describe("the adapter as users touch it", () => {
  it("nsp.adapter.rooms and .sids: every socket in its own room, joins and leaves, a disconnect", async () => {
    const nsp = freshNsp();
    const a = await connect(nsp);
    const b = await connect(nsp);
    assert.deepEqual(await call(a, "join", "r"), [1]);
    assert.deepEqual(await call(b, "join", "r"), [2]);
    assert.deepEqual(await call(b, "join", "s"), [1]);

    const [maps] = await call(a, "adapter-maps");
    assert.deepEqual(maps, {
      rooms: { [a.id]: [a.id], [b.id]: [b.id], r: sorted(a.id, b.id), s: [b.id] },
      sids: { [a.id]: sorted(a.id, "r"), [b.id]: sorted(b.id, "r", "s") },
    });

    assert.deepEqual(await call(b, "leave", "s"), [0]);
    const [afterLeave] = await call(a, "adapter-maps");
    assert.equal("s" in afterLeave.rooms, false, "an emptied room is deleted");
    assert.deepEqual(afterLeave.sids[b.id], sorted(b.id, "r"));

    const bId = b.id; // socket.io-client clears socket.id on disconnect
    b.disconnect();
    const afterDisconnect = await mapsUntil(a, (m) => !(bId in m.sids) && !(bId in m.rooms), "the disconnected socket is gone");
    assert.deepEqual(afterDisconnect, {
      rooms: { [a.id]: [a.id], r: [a.id] },
      sids: { [a.id]: sorted(a.id, "r") },
    });
  });
});

describe("socket.write", () => {
  it("is socket.send: a message event to the socket", async () => {
    const s = await connect(freshNsp());
    const got = waitFor(s, "message", 5000);
    assert.deepEqual(await call(s, "write", "hi", 1, { n: [2] }), []);
    assert.deepEqual(await got, ["hi", 1, { n: [2] }]);
  });
});

describe("socket.client", () => {
  it("shows the connection and its socket in each namespace", async () => {
    const nsp = freshNsp();
    const manager = new Manager(server.url, { reconnection: false, transports: ["websocket"] });
    try {
      const root = manager.socket("/");
      const other = manager.socket(nsp);
      clients.add(root);
      clients.add(other);
      await Promise.all([
        waitFor(root, "connect", 5000, { rejectOn: ["connect_error"] }),
        waitFor(other, "connect", 5000, { rejectOn: ["connect_error"] }),
      ]);

      const expected = { conn: manager.engine.id, nsps: sorted("/", nsp), sockets: sorted(root.id, other.id) };
      assert.deepEqual(await call(root, "client"), [expected]);
      assert.deepEqual(await call(other, "client"), [expected], "one client, whichever socket asks");

      // The DISCONNECT and the next event travel in order on the one connection.
      other.disconnect();
      assert.deepEqual(await call(root, "client"), [{ conn: manager.engine.id, nsps: ["/"], sockets: [root.id] }]);
    } finally {
      manager.engine?.close();
    }
  });
});
