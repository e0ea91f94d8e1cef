// The Socket.IO Admin UI (interop-contract.md "Additions": ADMIN_UI): a socket.io-client 4.8.4 plays the dashboard of
// @socket.io/admin-ui 0.5.1 on /admin and checks what the server tells it (config, all_sockets, server_stats, live
// socket, room and event reports) and what it does on the dashboard's commands (join, leave, emit, _disconnect);
// with basic auth, wrong credentials are refused and right ones earn a session. Runs against SERVER_IMPL=dotnet|node.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as ioc } from "socket.io-client";
import { call, recorder } from "./support/clients.mjs";
import { startServer, waitFor, SERVER_IMPL, DEFAULT_SERVER_NAME } from "./support/servers.mjs";

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ADMIN_EVENTS = [
  "session", "config", "server_stats", "all_sockets", "socket_connected", "socket_updated", "socket_disconnected",
  "room_joined", "room_left", "event_received", "event_sent",
];

/** A dashboard on /admin recording every event admin-ui sends; resolves once connected. */
async function dashboard(url, auth) {
  const socket = ioc(`${url}/admin`, { forceNew: true, reconnection: false, transports: ["websocket"], auth });
  const events = Object.fromEntries(ADMIN_EVENTS.map((e) => [e, recorder(socket, e)]));
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  return { socket, events };
}

async function client(url, nsp = "/", transports = ["websocket"]) {
  const socket = ioc(`${url}${nsp}`, { forceNew: true, reconnection: false, transports });
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  return socket;
}

/** The connect_error a dashboard gets with these credentials (rejects if it connects instead). */
async function refusal(url, auth) {
  const socket = ioc(`${url}/admin`, { forceNew: true, reconnection: false, transports: ["websocket"], auth });
  const events = [];
  for (const e of ADMIN_EVENTS) socket.on(e, () => events.push(e));
  try {
    const [err] = await waitFor(socket, "connect_error", 10_000, { rejectOn: ["connect"] });
    return { err, events };
  } finally {
    socket.close();
  }
}

async function rooms(socket) {
  const [state] = await call(socket, "state");
  return state.rooms;
}

/** Waits (bounded) until `check()` holds: a command's effect lands after the dashboard's emit, with no ack. */
async function eventually(check, label, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await check();
    if (last === true) return;
    if (Date.now() > deadline) throw new Error(`${label}: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe(`ADMIN_UI=1 (${SERVER_IMPL})`, () => {
  let server;
  before(async () => {
    server = await startServer({ env: { ADMIN_UI: "1" } });
  });
  after(async () => server?.stop());

  it("the .NET host serves the dashboard from the npm package at /admin-ui/", { skip: SERVER_IMPL === "node" && "Node's instrument serves no UI" }, async () => {
    const redirect = await fetch(`${server.url}/admin-ui`, { redirect: "manual" });
    assert.equal(redirect.status, 301);
    const page = await fetch(`${server.url}/admin-ui/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<title>Socket.IO Admin UI<\/title>/);
    const script = /src="(js\/app\.[0-9a-f]+\.js)"/.exec(html);
    assert.ok(script, "the page loads its app script relative to /admin-ui/");
    const js = await fetch(`${server.url}/admin-ui/${script[1]}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type"), /javascript/);
  });

  it("config announces every feature of development mode, all_sockets lists the sockets of every namespace", async () => {
    const early = await client(server.url, "/");
    await call(early, "join", "early-room");
    const admin = await dashboard(server.url);
    try {
      const [config] = await admin.events.config.until(() => true);
      assert.deepEqual(config.supportedFeatures, [
        "EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS",
      ]);
      assert.equal(admin.events.session.list.length, 0, "no session without auth");
      const [all] = await admin.events.all_sockets.until(() => true);
      const mine = all.find((s) => s.id === early.id);
      assert.ok(mine, `the early socket is listed: ${JSON.stringify(all)}`);
      assert.equal(mine.nsp, "/");
      assert.equal(mine.transport, "websocket");
      assert.equal(mine.clientId, early.io.engine.id.slice(0, 12));
      assert.deepEqual([...mine.rooms].sort(), [early.id, "early-room"].sort());
      assert.deepEqual(mine.data, {});
      const h = mine.handshake;
      assert.equal(typeof h.address, "string");
      assert.equal(h.headers.host, new URL(server.url).host);
      assert.equal(h.query.EIO, "4");
      assert.equal(h.query.transport, "websocket");
      assert.equal(typeof h.issued, "number");
      assert.ok(Math.abs(h.issued - Date.now()) < 60_000);
      assert.equal(h.secure, false);
      assert.match(h.time, /^\w{3} \w{3} \d\d \d{4} \d\d:\d\d:\d\d GMT[+-]\d{4}/);
      assert.equal(typeof h.url, "string");
      assert.ok(h.url.startsWith("/socket.io/?"), h.url);
      assert.equal(h.xdomain, false);
      assert.ok(!("auth" in h), "admin-ui leaves the handshake's auth out");
      assert.ok(all.some((s) => s.id === admin.socket.id && s.nsp === "/admin"), "the dashboard sees itself");
    } finally {
      admin.socket.close();
      early.close();
    }
  });

  it("server_stats every 2 s: serverId, host, uptime, client counts, namespaces and aggregated engine events", async () => {
    const admin = await dashboard(server.url);
    const polling = await client(server.url, "/", ["polling"]);
    try {
      await call(polling, "echo", "counted");
      const [stats] = await admin.events.server_stats.until(
        ([s]) => s.aggregatedEvents.some((e) => e.type === "packetsIn") && s.pollingClientsCount >= 1,
        8000,
      );
      assert.equal(stats.serverId, DEFAULT_SERVER_NAME[SERVER_IMPL]);
      assert.equal(typeof stats.hostname, "string");
      assert.equal(typeof stats.pid, "number");
      assert.ok(stats.uptime > 0);
      assert.ok(stats.clientsCount >= 2, `two engine clients: ${stats.clientsCount}`);
      const names = stats.namespaces.map((n) => n.name);
      assert.ok(names.includes("/") && names.includes("/admin"), JSON.stringify(stats.namespaces));
      assert.ok(stats.namespaces.find((n) => n.name === "/admin").socketsCount >= 1);
      for (const e of stats.aggregatedEvents) {
        assert.equal(e.timestamp % 1000, 0, "timestamps are whole seconds");
        assert.ok(e.count > 0);
      }

      const types = new Set(admin.events.server_stats.list.flatMap(([s]) => s.aggregatedEvents.map((e) => e.type)));
      for (const t of ["rawConnection", "packetsIn", "packetsOut", "bytesIn", "bytesOut"]) {
        assert.ok(types.has(t), `${t} in ${[...types]}`);
      }

      polling.close();
      const [closed] = await admin.events.server_stats.until(
        ([s]) => s.aggregatedEvents.some((e) => e.type === "rawDisconnection"),
        8000,
      );
      const disconnection = closed.aggregatedEvents.find((e) => e.type === "rawDisconnection");
      assert.equal(typeof disconnection.subType, "string");
    } finally {
      admin.socket.close();
      polling.close();
    }
  });

  it("socket_connected, socket_updated on upgrade, room_joined/left, event_received/sent, socket_disconnected", async () => {
    const admin = await dashboard(server.url);
    const c = await client(server.url, "/", ["polling", "websocket"]);
    try {
      const [connected, at] = await admin.events.socket_connected.until(([s]) => s.id === c.id);
      assert.equal(connected.nsp, "/");
      assert.equal(connected.transport, "polling");
      assert.match(at, ISO_DATE);
      const [updated] = await admin.events.socket_updated.until(([s]) => s.id === c.id && s.transport);
      assert.deepEqual(updated, { id: c.id, nsp: "/", transport: "websocket" });

      await call(c, "join", "r1");
      const joined = await admin.events.room_joined.until(([, room, id]) => room === "r1" && id === c.id);
      assert.equal(joined[0], "/");
      assert.match(joined[3], ISO_DATE);
      await call(c, "leave", "r1");
      await admin.events.room_left.until(([nsp, room, id]) => nsp === "/" && room === "r1" && id === c.id);

      await call(c, "echo", "with-ack", 2);
      const received = await admin.events.event_received.until(([, id, args]) => id === c.id && args[0] === "echo");
      assert.deepEqual(received.slice(0, 3), ["/", c.id, ["echo", "with-ack", 2]], "the ack callback is not an argument");
      assert.match(received[3], ISO_DATE);
      c.emit("echo", "no-ack");
      const sent = await admin.events.event_sent.until(([, id, args]) => id === c.id && args[1] === "no-ack");
      assert.deepEqual(sent.slice(0, 3), ["/", c.id, ["echo", "no-ack"]]);

      const id = c.id; // the client forgets it on disconnect
      c.disconnect();
      const gone = await admin.events.socket_disconnected.until(([, sid]) => sid === id);
      assert.deepEqual(gone.slice(0, 3), ["/", id, "client namespace disconnect"]);
      assert.match(gone[3], ISO_DATE);
    } finally {
      admin.socket.close();
      c.close();
    }
  });

  it("set-data (socket.data = obj): .NET sends socket_updated with the data, Node's Proxy is replaced unseen", async () => {
    const admin = await dashboard(server.url);
    const c = await client(server.url);
    try {
      await admin.events.socket_connected.until(([s]) => s.id === c.id);
      await call(c, "set-data", { user: "ada", tags: ["x"], _admin: { transport: "hidden" } });
      // A later event of the same socket: the dashboard hears of it after any report of the assignment.
      await call(c, "whoami");
      await admin.events.event_received.until(([, id, args]) => id === c.id && args[0] === "whoami");
      const updates = admin.events.socket_updated.list.filter(([s]) => s.id === c.id).map(([s]) => s);
      if (SERVER_IMPL === "dotnet") {
        assert.deepEqual(updates, [{ id: c.id, nsp: "/", data: { user: "ada", tags: ["x"] } }], "_admin left out");
      } else {
        // admin-ui 0.5.1 reports property sets on the Proxy it put in socket.data, not a new socket.data.
        assert.deepEqual(updates, []);
      }
    } finally {
      admin.socket.close();
      c.close();
    }
  });

  it("join, leave, emit and _disconnect reach the targeted socket, or the whole namespace without a filter", async () => {
    const admin = await dashboard(server.url);
    const a = await client(server.url);
    const b = await client(server.url);
    try {
      admin.socket.emit("join", "/", "picked", a.id);
      await eventually(async () => (await rooms(a)).includes("picked") || (await rooms(a)), "a joins picked");
      assert.ok(!(await rooms(b)).includes("picked"), "only the filtered socket joins");

      admin.socket.emit("join", "/", "everyone");
      await eventually(async () => (await rooms(b)).includes("everyone") || (await rooms(b)), "b joins everyone");
      assert.ok((await rooms(a)).includes("everyone"));

      admin.socket.emit("leave", "/", "everyone", b.id);
      await eventually(async () => !(await rooms(b)).includes("everyone") || (await rooms(b)), "b leaves everyone");
      assert.ok((await rooms(a)).includes("everyone"), "a stays");

      const hello = waitFor(a, "hello", 5000);
      admin.socket.emit("emit", "/", "picked", "hello", 1, { two: 2 });
      assert.deepEqual(await hello, [1, { two: 2 }]);

      const kicked = waitFor(b, "disconnect", 5000);
      admin.socket.emit("_disconnect", "/", false, b.id);
      assert.equal((await kicked)[0], "io server disconnect");
      assert.ok(a.connected, "only the filtered socket is disconnected");
    } finally {
      admin.socket.close();
      a.close();
      b.close();
    }
  });

  it("a command for an unknown socket or namespace does nothing", async () => {
    const admin = await dashboard(server.url);
    const a = await client(server.url);
    try {
      const before = await rooms(a);
      admin.socket.emit("join", "/", "ghost-room", "no-such-socket");
      admin.socket.emit("_disconnect", "/", true, "no-such-socket");
      admin.socket.emit("join", "/no-such-namespace", "ghost-room");
      // The dashboard's commands have no acks: a round trip on the same connection orders after them.
      await call(a, "whoami");
      const [all] = await call(a, "fetch", null);
      assert.ok(all.every((s) => !s.rooms.includes("ghost-room")), JSON.stringify(all));
      assert.deepEqual(await rooms(a), before);
      assert.ok(a.connected && admin.socket.connected);
    } finally {
      admin.socket.close();
      a.close();
    }
  });

  it("malformed command arguments are ignored with a log line", { skip: SERVER_IMPL === "node" && "Node's admin-ui trusts the dashboard's arguments (io.of(42) makes a namespace)" }, async () => {
    const admin = await dashboard(server.url);
    const a = await client(server.url);
    try {
      admin.socket.emit("join", 42, "r", a.id);
      admin.socket.emit("join", "/", { not: "a room" }, a.id);
      admin.socket.emit("_disconnect", "/", "yes", a.id);
      admin.socket.emit("leave");
      admin.socket.emit("emit", "/", a.id);
      admin.socket.emit("emit", "/", a.id, "disconnect");
      await eventually(() => server.output().includes("malformed arguments ignored") || "no log line yet", "the log line");
      assert.deepEqual(await rooms(a), [a.id]);
      assert.ok(a.connected && admin.socket.connected);
    } finally {
      admin.socket.close();
      a.close();
    }
  });
});

describe(`ADMIN_UI=user:password (${SERVER_IMPL})`, () => {
  let server;
  before(async () => {
    server = await startServer({ env: { ADMIN_UI: "admin:s3cret" } });
  });
  after(async () => server?.stop());

  for (const [label, auth, nodeSkip] of [
    ["no credentials", undefined],
    ["a wrong password", { username: "admin", password: "wrong" }],
    ["a wrong user", { username: "root", password: "s3cret" }],
    ["a password that is not a string", { username: "admin", password: 12345 }, "Node's admin-ui crashes the process on it (bcryptjs throws inside an async middleware: an unhandled rejection)"],
    ["an unknown session id", { sessionId: "0123456789abcdef" }],
  ]) {
    it(`${label}: connect_error "invalid credentials" and nothing else`, { skip: SERVER_IMPL === "node" && nodeSkip }, async () => {
      const { err, events } = await refusal(server.url, auth);
      assert.equal(err.message, "invalid credentials");
      assert.deepEqual(events, []);
    });
  }

  it("the right credentials earn a session id, which opens the namespace without the password", async () => {
    const first = await dashboard(server.url, { username: "admin", password: "s3cret" });
    let second;
    try {
      const [sessionId] = await first.events.session.until(() => true);
      assert.match(sessionId, /^[0-9a-f]{16}$/);
      await first.events.config.until(() => true);
      second = await dashboard(server.url, { sessionId });
      await second.events.config.until(() => true);
      assert.equal(second.events.session.list.length, 0, "a session login gets no new session");
    } finally {
      first.socket.close();
      second?.socket.close();
    }
  });
});
