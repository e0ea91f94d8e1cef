// Socket.IO interop: socket.io-client 4.8.4 against the namespaces and events of the interop
// server contract (/work/shared/interop-contract.md), on one server without Redis.
// Runs against SERVER_IMPL=dotnet|node (see support/servers.mjs).

import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io as ioc, Manager } from "socket.io-client";
import { Socket as EngineSocket } from "engine.io-client";
import { call, recorder, byString, disconnectAll, transportsOf } from "./support/clients.mjs";
import { startServer, waitFor } from "./support/servers.mjs";

const SERVER_NAME = "contract-server";
const SOCKET_ID = /^[A-Za-z0-9_-]{20}$/;

let server;
const clients = new Set();
let nspCounter = 0;

before(async () => {
  server = await startServer({ env: { SERVER_NAME, EMIT_AUTH: 1 } });
});

after(async () => {
  closeAll();
  await server?.stop();
});

afterEach(() => closeAll());

const closeAll = () => disconnectAll(clients);

/** A fresh dynamic namespace per test keeps namespace-wide broadcasts and fetches isolated. */
function freshNsp() {
  nspCounter += 1;
  return `/dyn-${nspCounter}`;
}

/** "upgrade" is the client default: polling first, then the WebSocket upgrade. */

function client(nsp, transport, opts = {}) {
  const socket = ioc(`${server.url}${nsp}`, {
    forceNew: true,
    reconnection: false,
    transports: transportsOf(transport),
    ...opts,
  });
  clients.add(socket);
  return socket;
}

async function connect(nsp, transport, opts = {}) {
  const socket = client(nsp, transport, opts);
  await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
  return socket;
}

async function connectError(nsp, transport, opts = {}) {
  const socket = client(nsp, transport, opts);
  const [err] = await waitFor(socket, "connect_error", 10_000, { rejectOn: ["connect"] });
  return err;
}

/**
 * Per-connection ordering fence: `sender` broadcasts a unique marker to the `fence` room (that
 * every socket joined) and we wait until each socket received it. Whatever was delivered to a
 * socket before the marker was sent is in its recorder by then.
 */
let fenceCounter = 0;
async function fence(sender, recorders) {
  const marker = `fence-${++fenceCounter}`;
  assert.deepEqual(await call(sender, "bcast-all", "fence", marker), []);
  await Promise.all(recorders.map((r) => r.until((args) => args[0] === marker, 5000, marker)));
  return marker;
}

/** The `msg` payloads a recorder got, fence markers left out. */
function msgs(rec) {
  return rec.list.filter((args) => !(typeof args[0] === "string" && args[0].startsWith("fence-")));
}


for (const transport of ["websocket", "polling", "upgrade"]) {
  describe(`socket.io contract over ${transport}`, () => {
    describe("namespaces", () => {
      it("/ connects; whoami acks {server: SERVER_NAME, id: socket.id}", async () => {
        const s = await connect("/", transport);
        assert.match(s.id, SOCKET_ID);
        assert.deepEqual(await call(s, "whoami"), [{ server: SERVER_NAME, id: s.id }]);
      });

      it("EMIT_AUTH=1: every connection gets `auth` with the handshake auth ({} when none)", async () => {
        for (const nsp of ["/", "/custom", freshNsp()]) {
          const withAuth = client(nsp, transport, { auth: { token: "abc", n: 1, nested: { ok: true } } });
          const withoutAuth = client(nsp, transport);
          const [[a], [b]] = await Promise.all([waitFor(withAuth, "auth", 5000), waitFor(withoutAuth, "auth", 5000)]);
          assert.deepEqual(a, { token: "abc", n: 1, nested: { ok: true } }, `${nsp} with auth`);
          assert.deepEqual(b, {}, `${nsp} without auth`);
        }
      });

      it("/custom answers no event", async () => {
        const s = await connect("/custom", transport);
        await assert.rejects(
          new Promise((resolve, reject) =>
            s.timeout(300).emit("whoami", (err, res) => (err ? reject(err) : resolve(res))),
          ),
        );
      });

      it("/mw rejects without the valid token: not authorized, data {reason: bad token}", async () => {
        for (const opts of [{}, { auth: { token: "nope" } }, { auth: { other: "valid" } }]) {
          const err = await connectError("/mw", transport, opts);
          assert.equal(err.message, "not authorized", JSON.stringify(opts));
          assert.deepEqual(err.data, { reason: "bad token" }, JSON.stringify(opts));
        }
      });

      it("/mw accepts auth.token === 'valid' and serves the events of /", async () => {
        const s = await connect("/mw", transport, { auth: { token: "valid" } });
        assert.match(s.id, SOCKET_ID);
        assert.deepEqual(await call(s, "whoami"), [{ server: SERVER_NAME, id: s.id }]);
        assert.deepEqual(await call(s, "echo", "mw", 1), ["mw", 1]);
        assert.deepEqual(await call(s, "join", "r"), [1]);
      });

      it("dynamic /dyn-<digits> namespaces connect and serve the events of /", async () => {
        const s = await connect("/dyn-42", transport);
        assert.deepEqual(await call(s, "whoami"), [{ server: SERVER_NAME, id: s.id }]);
        assert.deepEqual(await call(s, "echo", { a: [1, 2] }), [{ a: [1, 2] }]);
      });

      it("any other namespace: connect_error Invalid namespace", async () => {
        for (const nsp of ["/nope", "/dyn-", "/dyn-abc", "/dyn-1x", "/mwx", "/Custom"]) {
          const err = await connectError(nsp, transport);
          assert.equal(err.message, "Invalid namespace", nsp);
          assert.equal(err.data, undefined, nsp);
        }
      });

      it("after a connect_error the same connection can still join another namespace", async () => {
        // Sockets of one Manager share its Engine.IO connection; each connects on creation.
        const manager = new Manager(server.url, { reconnection: false, transports: transportsOf(transport) });
        try {
          const bad = manager.socket("/nope");
          clients.add(bad);
          const [err] = await waitFor(bad, "connect_error", 5000, { rejectOn: ["connect"] });
          assert.equal(err.message, "Invalid namespace");
          const good = manager.socket("/");
          clients.add(good);
          await waitFor(good, "connect", 5000, { rejectOn: ["connect_error"] });
          assert.deepEqual(await call(good, "whoami"), [{ server: SERVER_NAME, id: good.id }]);
        } finally {
          manager.engine?.close();
        }
      });
    });

    describe("events", () => {
      const binArgs = () => [
        "text",
        Buffer.from([1, 2, 3]),
        { nested: { buf: Buffer.from([0xff, 0x00, 0x7f]) }, list: [Buffer.from("€", "utf8"), 42] },
        null,
        [true, false, 1.5, "😀"],
      ];

      it("message → message-back with the same args (to the sender only)", async () => {
        const nsp = freshNsp();
        const [a, b] = await Promise.all([connect(nsp, transport), connect(nsp, transport)]);
        const onB = recorder(b, "message-back");
        const args = [1, "two", { three: [3] }, null, true];
        const got = waitFor(a, "message-back", 5000);
        a.emit("message", ...args);
        assert.deepEqual(await got, args);
        // b never gets it: b's own round trip completes with nothing recorded.
        assert.deepEqual(await call(b, "whoami"), [{ server: SERVER_NAME, id: b.id }]);
        assert.deepEqual(onB.list, []);
      });

      it("message with binary → message-back, binary stays binary", async () => {
        const s = await connect("/", transport);
        const got = waitFor(s, "message-back", 5000);
        s.emit("message", ...binArgs());
        const back = await got;
        assert.deepEqual(back, binArgs());
        assert.ok(Buffer.isBuffer(back[1]));
      });

      it("message-with-ack acks the same args", async () => {
        const s = await connect("/", transport);
        assert.deepEqual(await call(s, "message-with-ack", "a", 1, { b: [null] }), ["a", 1, { b: [null] }]);
        assert.deepEqual(await call(s, "message-with-ack"), []);
        assert.deepEqual(await call(s, "message-with-ack", ...binArgs()), binArgs());
      });

      it("echo with ack acks the same args; binary stays binary", async () => {
        const s = await connect("/", transport);
        const res = await call(s, "echo", ...binArgs());
        assert.deepEqual(res, binArgs());
        assert.ok(Buffer.isBuffer(res[1]), "top-level buffer");
        assert.ok(Buffer.isBuffer(res[2].nested.buf), "nested buffer");
        assert.ok(Buffer.isBuffer(res[2].list[0]), "buffer in array");
        assert.deepEqual(await call(s, "echo", "€ 😀 \u0000 \"q\" \\"), ["€ 😀 \u0000 \"q\" \\"]);
      });

      it("echo without ack emits echo back with the same args", async () => {
        const s = await connect("/", transport);
        const got = waitFor(s, "echo", 5000);
        s.emit("echo", ...binArgs());
        const back = await got;
        assert.deepEqual(back, binArgs());
        assert.ok(Buffer.isBuffer(back[1]));
        const got2 = waitFor(s, "echo", 5000);
        s.emit("echo", "plain", 7);
        assert.deepEqual(await got2, ["plain", 7]);
      });

      it("join/leave ack the local room size after the change", async () => {
        const nsp = freshNsp();
        const [a, b] = await Promise.all([connect(nsp, transport), connect(nsp, transport)]);
        assert.deepEqual(await call(a, "join", "r"), [1]);
        assert.deepEqual(await call(b, "join", "r"), [2]);
        assert.deepEqual(await call(a, "join", "r"), [2], "joining twice");
        assert.deepEqual(await call(a, "join", "other"), [1]);
        assert.deepEqual(await call(a, "leave", "r"), [1]);
        assert.deepEqual(await call(a, "leave", "r"), [1], "leaving twice");
        assert.deepEqual(await call(b, "leave", "r"), [0]);
        assert.deepEqual(await call(b, "leave", "never-joined"), [0]);
      });

      async function trio() {
        const nsp = freshNsp();
        const [a, b, c] = await Promise.all([connect(nsp, transport), connect(nsp, transport), connect(nsp, transport)]);
        for (const s of [a, b, c]) assert.deepEqual(await call(s, "join", "fence"), [[a, b, c].indexOf(s) + 1]);
        return { nsp, a, b, c, ra: recorder(a, "msg"), rb: recorder(b, "msg"), rc: recorder(c, "msg") };
      }

      it("bcast(room, payload): msg to the room except the sender; null or '' = whole namespace except the sender", async () => {
        const { a, b, c, ra, rb, rc } = await trio();
        await call(a, "join", "r");
        await call(b, "join", "r");
        assert.deepEqual(await call(a, "bcast", "r", { n: 1 }), []);
        await fence(c, [ra, rb, rc]);
        assert.deepEqual(msgs(ra), []);
        assert.deepEqual(msgs(rb), [[{ n: 1 }]]);
        assert.deepEqual(msgs(rc), []);

        assert.deepEqual(await call(a, "bcast", null, "all-1"), []);
        assert.deepEqual(await call(b, "bcast", "", "all-2"), []);
        await fence(c, [ra, rb, rc]);
        assert.deepEqual(msgs(ra), [["all-2"]]);
        assert.deepEqual(msgs(rb), [[{ n: 1 }], ["all-1"]]);
        assert.deepEqual(msgs(rc), [["all-1"], ["all-2"]]);

        // binary payload
        assert.deepEqual(await call(c, "bcast", "r", Buffer.from([9, 8, 7])), []);
        await fence(c, [ra, rb, rc]);
        assert.deepEqual(msgs(ra).at(-1), [Buffer.from([9, 8, 7])]);
        assert.ok(Buffer.isBuffer(msgs(rb).at(-1)[0]));
      });

      it("bcast-all(room, payload): msg to the whole room, sender included when a member", async () => {
        const { a, b, c, ra, rb, rc } = await trio();
        await call(a, "join", "r");
        await call(b, "join", "r");
        assert.deepEqual(await call(a, "bcast-all", "r", "to-r"), []);
        assert.deepEqual(await call(c, "bcast-all", "r", "to-r-from-c"), []);
        await fence(c, [ra, rb, rc]);
        assert.deepEqual(msgs(ra), [["to-r"], ["to-r-from-c"]]);
        assert.deepEqual(msgs(rb), [["to-r"], ["to-r-from-c"]]);
        assert.deepEqual(msgs(rc), []);
      });

      it("bcast-except(room, except, payload): the room minus the members of `except`", async () => {
        const { a, b, c, ra, rb, rc } = await trio();
        for (const s of [a, b, c]) await call(s, "join", "r");
        await call(b, "join", "x");
        assert.deepEqual(await call(a, "bcast-except", "r", "x", "not-x"), []);
        assert.deepEqual(await call(a, "bcast-except", "r", c.id, "not-c"), []);
        await fence(c, [ra, rb, rc]);
        assert.deepEqual(msgs(ra), [["not-x"], ["not-c"]]);
        assert.deepEqual(msgs(rb), [["not-c"]]);
        assert.deepEqual(msgs(rc), [["not-x"]]);
      });

      it("bcast-ack(room, payload, timeoutMs): {err: null, responses} from every member", async () => {
        const { a, b, c } = await trio();
        for (const [name, s] of [["A", a], ["B", b], ["C", c]]) s.on("ask", (p, cb) => cb(`${name}:${p}`));
        await call(a, "join", "q");
        await call(b, "join", "q");
        const [res] = await call(c, "bcast-ack", "q", "hi", 3000);
        assert.deepEqual(Object.keys(res).sort(), ["err", "responses"]);
        assert.equal(res.err, null);
        assert.deepEqual([...res.responses].sort(), ["A:hi", "B:hi"]);

        const [empty] = await call(c, "bcast-ack", "nobody-here", "hi", 3000);
        assert.deepEqual(empty, { err: null, responses: [] });
      });

      it("bcast-ack times out when a member does not answer: err is a message", async () => {
        const { a, b, c } = await trio();
        a.on("ask", (p, cb) => cb(`A:${p}`));
        // b has no `ask` listener, so it never acks
        await call(a, "join", "q");
        await call(b, "join", "q");
        const [res] = await call(c, "bcast-ack", "q", "hi", 300);
        assert.deepEqual(Object.keys(res).sort(), ["err", "responses"]);
        assert.equal(typeof res.err, "string");
        assert.ok(res.err.length > 0, "err message not empty");
        assert.ok(Array.isArray(res.responses));
        for (const r of res.responses) assert.equal(r, "A:hi");
      });

      it("set-data and fetch(room): [{id, rooms (sorted), data, auth}] sorted by id", async () => {
        const nsp = freshNsp();
        const [a, b, c] = await Promise.all([
          connect(nsp, transport, { auth: { token: "t-a" } }),
          connect(nsp, transport, { auth: { user: { name: "b" }, list: [1, 2] } }),
          connect(nsp, transport),
        ]);
        assert.deepEqual(await call(a, "set-data", { n: 1, tags: ["x"] }), []);
        assert.deepEqual(await call(b, "set-data", { n: 2 }), []);
        assert.deepEqual(await call(c, "set-data", "plain string"), []);
        for (const s of [a, b, c]) await call(s, "join", "zeta");
        await call(a, "join", "alpha");
        await call(b, "join", "Beta");
        await call(c, "join", "10");

        const entry = (s, extraRooms, data, auth) => ({
          id: s.id,
          rooms: [s.id, ...extraRooms].sort(byString),
          data,
          auth,
        });
        const all = [
          entry(a, ["zeta", "alpha"], { n: 1, tags: ["x"] }, { token: "t-a" }),
          entry(b, ["zeta", "Beta"], { n: 2 }, { user: { name: "b" }, list: [1, 2] }),
          entry(c, ["zeta", "10"], "plain string", {}),
        ].sort((x, y) => byString(x.id, y.id));

        assert.deepEqual(await call(a, "fetch", "zeta"), [all]);
        assert.deepEqual(await call(a, "fetch", null), [all], "null = whole namespace");
        assert.deepEqual(await call(a, "fetch", ""), [all], "'' = whole namespace");
        assert.deepEqual(await call(c, "fetch", "alpha"), [all.filter((e) => e.id === a.id)]);
        assert.deepEqual(await call(c, "fetch", b.id), [all.filter((e) => e.id === b.id)]);
        assert.deepEqual(await call(c, "fetch", "empty-room"), [[]]);
      });

      it("sockets-join / sockets-leave(target, room)", async () => {
        const { a, b, c, ra, rb, rc } = await trio();
        assert.deepEqual(await call(a, "sockets-join", b.id, "j"), []);
        assert.deepEqual(await call(a, "bcast-all", "j", "to-j"), []);
        await fence(a, [ra, rb, rc]);
        assert.deepEqual(msgs(rb), [["to-j"]]);
        assert.deepEqual(msgs(ra), []);
        assert.deepEqual(msgs(rc), []);

        // target may be a room: every member of "fence" joins "k"
        assert.deepEqual(await call(c, "sockets-join", "fence", "k"), []);
        const [list] = await call(c, "fetch", "k");
        assert.deepEqual(list.map((e) => e.id), [a.id, b.id, c.id].sort(byString));

        assert.deepEqual(await call(c, "sockets-leave", b.id, "k"), []);
        assert.deepEqual(await call(c, "sockets-leave", a.id, "j"), [], "leaving a room it is not in");
        const [after] = await call(c, "fetch", "k");
        assert.deepEqual(after.map((e) => e.id), [a.id, c.id].sort(byString));
        const [bEntry] = (await call(c, "fetch", b.id))[0];
        assert.deepEqual(bEntry.rooms, [b.id, "fence", "j"].sort(byString));
      });

      it("kick(target) disconnects the target sockets (io server disconnect)", async () => {
        const { a, b, c } = await trio();
        await call(b, "join", "victims");
        await call(c, "join", "victims");
        const bGone = waitFor(b, "disconnect", 5000);
        const cGone = waitFor(c, "disconnect", 5000);
        assert.deepEqual(await call(a, "kick", "victims"), []);
        assert.equal((await bGone)[0], "io server disconnect");
        assert.equal((await cGone)[0], "io server disconnect");
        assert.equal(a.connected, true);
        assert.deepEqual(await call(a, "whoami"), [{ server: SERVER_NAME, id: a.id }]);
        const [list] = await call(a, "fetch", null);
        assert.deepEqual(list.map((e) => e.id), [a.id]);
      });

      it("sse acks no arguments; sse-ack on a lone server: {err: null, responses: []}", async () => {
        const s = await connect("/", transport);
        assert.deepEqual(await call(s, "sse", "hello", "x"), []);
        assert.deepEqual(await call(s, "sse-ack", "who", 1000), [{ err: null, responses: [] }]);
      });

      it("stats acks {rss, clients, runtime}", async () => {
        const s = await connect("/", transport);
        const [st] = await call(s, "stats");
        assert.deepEqual(Object.keys(st).sort(), ["clients", "rss", "runtime"]);
        assert.ok(Number.isInteger(st.rss) && st.rss > 0, `rss ${st.rss}`);
        assert.ok(Number.isInteger(st.clients) && st.clients >= 1, `clients ${st.clients}`);
        assert.equal(typeof st.runtime, "string");
        assert.ok(st.runtime.length > 0);
      });
    });
  });
}

describe("CONNECT_TIMEOUT", () => {
  it("closes a connection that joins no namespace in time", { timeout: 30_000 }, async () => {
    const short = await startServer({ env: { CONNECT_TIMEOUT: 300 } });
    const socket = new EngineSocket(short.url, { path: "/socket.io/", transports: ["websocket"] });
    try {
      await waitFor(socket, "open", 5000, { rejectOn: ["close"] });
      // No Socket.IO CONNECT is sent: the server gives up after CONNECT_TIMEOUT.
      await waitFor(socket, "close", 5000);
    } finally {
      socket.close();
      await short.stop();
    }
  });
});

describe("SIGTERM", () => {
  it("shuts down gracefully: connected clients are disconnected, exit code 0", { timeout: 30_000 }, async () => {
    const srv = await startServer();
    try {
      const socket = ioc(`${srv.url}/`, { forceNew: true, reconnection: false, transports: ["websocket"] });
      clients.add(socket);
      await waitFor(socket, "connect", 10_000, { rejectOn: ["connect_error"] });
      const disconnected = waitFor(socket, "disconnect", 10_000);
      const exit = srv.stop();
      await disconnected;
      assert.deepEqual(await exit, { code: 0, signal: null });
    } finally {
      await srv.stop();
    }
  });
});
