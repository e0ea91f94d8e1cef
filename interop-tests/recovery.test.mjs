// Connection state recovery (socket.io 4.6+, interop-contract.md "Additions": STATE_RECOVERY, state(),
// disconnect-self) with npm socket.io-client 4.8.4, on one server with the in-memory adapter, over WebSocket,
// polling and polling→upgrade. Runs against SERVER_IMPL=dotnet|node (support/servers.mjs): the Node twin is the
// reference every assertion was checked against.

import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io as ioc } from "socket.io-client";
import { call, recorder, disconnectAll, transportsOf } from "./support/clients.mjs";
import { startServer, waitFor } from "./support/servers.mjs";

let server;
const clients = new Set();
let roomCounter = 0;

before(async () => {
  server = await startServer({ env: { SERVER_NAME: "recovery-server", STATE_RECOVERY: 60_000 } });
});

after(async () => {
  closeAll();
  await server?.stop();
});

afterEach(() => closeAll());

const closeAll = () => disconnectAll(clients);


async function connect(transport, opts = {}) {
  const socket = ioc(`${server.url}/`, { forceNew: true, reconnection: false, transports: transportsOf(transport), ...opts });
  clients.add(socket);
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  if (transport === "upgrade" && socket.io.engine.transport.name !== "websocket") {
    await waitFor(socket.io.engine, "upgrade", 10_000);
  }
  return socket;
}

/** Polls (bounded) until the server no longer lists `id` in `room`: it has seen the connection end. */
async function untilGone(observer, room, id) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [sockets] = await call(observer, "fetch", room);
    if (!sockets.some((s) => s.id === id)) return;
    if (Date.now() > deadline) throw new Error(`the server still lists ${id} in ${room}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Cuts the Engine.IO connection without a Socket.IO DISCONNECT (a lost connection, as a network blip). */
async function loseConnection(socket) {
  const gone = waitFor(socket, "disconnect", 5000);
  socket.io.engine.close();
  return gone;
}

for (const transport of ["websocket", "polling", "upgrade"]) {
  describe(`recovery over ${transport}`, () => {
    it("a client that lost its connection comes back with its id, rooms, data and every missed packet, in order", async () => {
      const room = `r${++roomCounter}`;
      const observer = await connect("websocket");
      const socket = await connect(transport);
      const id = socket.id;
      const msgs = recorder(socket, "msg");
      await call(socket, "join", room);
      await call(socket, "set-data", { user: "ada" });
      await call(observer, "bcast-all", room, "before");
      await msgs.until((m) => m[0] === "before");
      assert.equal(typeof msgs.list[0][1], "string", "an event carries its offset as the last argument");

      const [reason] = await loseConnection(socket);
      assert.equal(reason, "forced close");
      await untilGone(observer, room, id);
      await call(observer, "bcast-all", room, "missed 1");
      await call(observer, "bcast-all", null, "missed 2");
      await call(observer, "bcast-all", id, "missed 3");
      await call(observer, "bcast-all", `${room}-other`, "not for it");

      socket.connect();
      await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
      assert.equal(socket.recovered, true);
      assert.equal(socket.id, id);
      await msgs.until((m) => m[0] === "missed 3");
      assert.deepEqual(msgs.list.map((m) => m[0]), ["before", "missed 1", "missed 2", "missed 3"]);
      const [state] = await call(socket, "state");
      assert.deepEqual(state, { id, recovered: true, rooms: [id, room].sort(), data: { user: "ada" } });

      // What comes next is live again.
      await call(observer, "bcast-all", room, "after");
      await msgs.until((m) => m[0] === "after");
      assert.equal(msgs.list.length, 5);
    });
  });
}

describe("what is not recovered", () => {
  it("a namespace disconnect by the server ends the session: the client comes back as a fresh socket", async () => {
    const observer = await connect("websocket");
    const socket = await connect("websocket");
    const id = socket.id;
    const msgs = recorder(socket, "msg");
    await call(observer, "bcast-all", null, "seen");
    await msgs.until((m) => m[0] === "seen");

    const gone = waitFor(socket, "disconnect", 5000);
    await call(socket, "disconnect-self", false);
    assert.equal((await gone)[0], "io server disconnect");
    socket.connect();
    await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });

    assert.equal(socket.recovered, false);
    assert.notEqual(socket.id, id);
    const [state] = await call(socket, "state");
    assert.equal(state.recovered, false);
  });

  it("a forged or unknown private session id gets a fresh socket and nothing else", async () => {
    const socket = await connect("websocket", { auth: { pid: "forged-pid-000000000", offset: "0" } });
    const [state] = await call(socket, "state");
    assert.equal(socket.recovered, false);
    assert.equal(state.recovered, false);
    assert.deepEqual(state.rooms, [socket.id]);
  });
});
