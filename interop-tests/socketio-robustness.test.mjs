// Hostile and malformed Socket.IO packets sent as raw WebSocket frames (protocol.md "Socket.IO v5":
// payload rules, observed edge cases, binary limits, connection rules). Each bad packet must close
// only the offending connection; a bystander client keeps working; valid edge cases are accepted.
// Runs unchanged against the .NET server and the Node twin.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { io as ioc } from "socket.io-client";
import { startServer, waitFor, withTimeout } from "./support/servers.mjs";

let srv;
let bystander;

before(async () => {
  srv = await startServer();
  bystander = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await waitFor(bystander, "connect", 10_000, { rejectOn: ["connect_error"] });
});

after(async () => {
  bystander?.disconnect();
  await srv?.stop();
});



/** A raw Engine.IO/Socket.IO WebSocket client that records text and binary frames. */
class RawClient {
  constructor(url) {
    this.frames = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => {
      this.ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
      this.ws.on("message", (data, isBinary) => {
        this.frames.push(isBinary ? data : data.toString());
        this.waiters.splice(0).forEach((w) => w());
      });
      this.ws.on("close", (code) => {
        this.isClosed = true;
        this.waiters.splice(0).forEach((w) => w());
        resolve(code);
      });
      this.ws.on("error", () => {});
    });
  }

  /** Waits for a text frame matching `predicate`; answers pings so the session stays up. */
  async next(predicate, label, timeoutMs = 5000) {
    return withTimeout(
      (async () => {
        for (;;) {
          const i = this.frames.findIndex((f) => typeof f === "string" && predicate(f));
          if (i >= 0) return this.frames.splice(i, 1)[0];
          if (this.isClosed) throw new Error(`closed while waiting for ${label}`);
          await new Promise((r) => this.waiters.push(r));
        }
      })(),
      timeoutMs,
      label,
    );
  }

  send(data) {
    this.ws.send(data);
  }

  /** Opens the session and joins `/`; returns the socket id. */
  async connect() {
    await withTimeout(new Promise((r, j) => { this.ws.once("open", r); this.ws.once("error", j); }), 5000, "ws open");
    await this.next((f) => f.startsWith("0{"), "engine open packet");
    this.send("40");
    const connect = await this.next((f) => f.startsWith("40{"), "CONNECT reply");
    return JSON.parse(connect.slice(2)).sid;
  }

  /** Sends `42[…]`-style text and expects the server to drop the connection. */
  async expectClosedAfter(...frames) {
    for (const f of frames) this.send(f);
    const code = await withTimeout(this.closed, 5000, `server closing the connection after ${JSON.stringify(frames.map(String))}`);
    return code;
  }

  close() {
    try { this.ws.terminate(); } catch { /* gone */ }
  }
}

async function bystanderStillWorks() {
  const answer = await withTimeout(
    new Promise((resolve) => bystander.emit("echo", "still here", Buffer.from([1, 2, 3]), (...args) => resolve(args))),
    5000,
    "bystander echo",
  );
  assert.equal(answer[0], "still here");
  assert.deepEqual([...answer[1]], [1, 2, 3]);
}

/** Asserts that `frames` make the server close this connection, and only this one. */
async function assertCloses(...frames) {
  const client = new RawClient(srv.url);
  try {
    await client.connect();
    await client.expectClosedAfter(...frames);
  } finally {
    client.close();
  }
  await bystanderStillWorks();
}

describe("malformed Socket.IO packets close only the offending connection", () => {
  const cases = [
    ["empty event array", ["42[]"]],
    ["reserved event name", ['42["disconnect"]']],
    ["reserved event name connect_error", ['42["connect_error"]']],
    ["event payload that is not an array", ['42{"a":1}']],
    ["invalid JSON", ['42["a",']],
    ["trailing garbage after JSON", ['42["a"]x']],
    ["JSON with NaN (not JSON)", ['42["a",NaN]']],
    ["unknown packet type", ["49"]],
    ["DISCONNECT with a payload", ["41{}"]],
    ["ACK that is not an array", ["43{}"]],
    ["CONNECT_ERROR sent by a client", ['44{"message":"x"}']],
    ["second CONNECT to a joined namespace", ["40"]],
    ["event for a namespace not joined", ['42/custom,["message"]']],
    ["too many attachments", ['4511-["x",{"_placeholder":true,"num":0}]']],
    ["zero attachments", ['450-["x"]']],
    ["attachment count that is not a number", ['45x-["x"]']],
    ["text packet while attachments are expected", ['451-["x",{"_placeholder":true,"num":0}]', '42["y"]']],
    ["binary frame when none is expected", [Buffer.from([1, 2, 3])]],
    ["placeholder index out of range", ['451-["x",{"_placeholder":true,"num":5}]', Buffer.from([1])]],
  ];
  for (const [name, frames] of cases) {
    it(name, async () => {
      // Text frames are whole Engine.IO packets ("4" + the Socket.IO packet); binary frames raw bytes.
      await assertCloses(...frames);
    });
  }

  it("an invalid CONNECT payload closes the connection", async () => {
    for (const payload of ["40[1]", '40"x"']) {
      const client = new RawClient(srv.url);
      try {
        await withTimeout(new Promise((r) => client.ws.once("open", r)), 5000, "open");
        await client.next((f) => f.startsWith("0{"), "open packet");
        await client.expectClosedAfter(payload);
      } finally {
        client.close();
      }
    }
    await bystanderStillWorks();
  });

  it("a flood of half-sent binary packets closes the connection, others unaffected", async () => {
    const client = new RawClient(srv.url);
    try {
      await client.connect();
      // Two attachments announced, one sent, then a new text packet instead of the second.
      client.send(`452-["x",${Array.from({ length: 2 }, (_, i) => `{"_placeholder":true,"num":${i}}`).join(",")}]`);
      client.send(Buffer.from([1]));
      await client.expectClosedAfter('42["y"]');
    } finally {
      client.close();
    }
    await bystanderStillWorks();
  });
});

describe("edge cases the reference accepts", () => {
  it("a numeric event name, a bare 42 and an unknown ack id are accepted; binary at depth round-trips", async () => {
    const client = new RawClient(srv.url);
    try {
      await client.connect();
      client.send("42[1,2]");
      client.send("42");
      client.send('4399["late"]');
      // echo with an ack: two attachments, one nested in an object.
      client.send('452-7["echo",{"_placeholder":true,"num":0},{"deep":{"bin":{"_placeholder":true,"num":1}}}]');
      client.send(Buffer.from([0xde, 0xad]));
      client.send(Buffer.from([0xbe, 0xef]));
      const ack = await client.next((f) => f.startsWith("462-7"), "BINARY_ACK 7");
      assert.equal(ack, '462-7[{"_placeholder":true,"num":0},{"deep":{"bin":{"_placeholder":true,"num":1}}}]');
      await withTimeout(
        (async () => {
          while (client.frames.filter((f) => typeof f !== "string").length < 2) {
            await new Promise((r) => client.waiters.push(r));
          }
        })(),
        5000,
        "two binary frames",
      );
      const bins = client.frames.filter((f) => typeof f !== "string").map((b) => [...b]);
      assert.deepEqual(bins, [[0xde, 0xad], [0xbe, 0xef]]);
      assert.equal(client.isClosed, undefined, "connection still open");
    } finally {
      client.close();
    }
  });

  it("40/custom without a comma connects to /custom; an unknown namespace gets Invalid namespace and the session stays", async () => {
    const client = new RawClient(srv.url);
    try {
      await client.connect();
      client.send("40/custom");
      const custom = await client.next((f) => f.startsWith("40/custom,"), "CONNECT /custom");
      assert.match(custom, /^40\/custom,\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
      client.send("40/nope,");
      assert.equal(await client.next((f) => f.startsWith("44/nope,"), "CONNECT_ERROR"), '44/nope,{"message":"Invalid namespace"}');
      client.send('421["echo","ok"]');
      assert.equal(await client.next((f) => f.startsWith("431"), "ack 1"), '431["ok"]');
    } finally {
      client.close();
    }
  });

  it("JSON output matches JSON.stringify: unicode, escapes, numbers", async () => {
    const client = new RawClient(srv.url);
    try {
      await client.connect();
      const value = '["echo","€ 😀 \\u0001 \\" \\\\ \\n",1.5,1e21,-0,100,0.000001,1e-7,{"b":1,"a":[true,false,null]}]';
      client.send(`423${value}`);
      const ack = await client.next((f) => f.startsWith("433"), "ack 3");
      assert.equal(ack, `433${JSON.stringify(JSON.parse(value).slice(1))}`);
    } finally {
      client.close();
    }
  });
});

describe("many clients", () => {
  it("50 concurrent clients each get their own echoes and a room broadcast", async () => {
    const clients = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const c = ioc(srv.url, { forceNew: true, reconnection: false, transports: i % 2 ? ["websocket"] : ["polling", "websocket"] });
        await waitFor(c, "connect", 10_000, { rejectOn: ["connect_error"] });
        return c;
      }),
    );
    try {
      const room = `many-${Date.now()}`;
      await Promise.all(clients.map((c) => new Promise((r) => c.emit("join", room, r))));
      const echoes = await Promise.all(clients.map((c, i) => new Promise((r) => c.emit("echo", i, Buffer.from([i]), (...a) => r(a)))));
      echoes.forEach((a, i) => {
        assert.equal(a[0], i);
        assert.deepEqual([...a[1]], [i]);
      });
      const received = clients.map((c) => waitFor(c, "msg", 5000));
      await new Promise((r) => bystander.emit("bcast-all", room, { hello: "all" }, r));
      const payloads = await Promise.all(received);
      assert.equal(payloads.length, 50);
      // waitFor resolves with the event's argument list.
      for (const p of payloads) assert.deepEqual(p, [{ hello: "all" }]);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});

describe("disconnect reasons seen by the client", () => {
  it("kick → io server disconnect; client disconnect → io client disconnect", async () => {
    const a = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    await waitFor(a, "connect", 10_000);
    const reason = waitFor(a, "disconnect", 5000);
    const id = a.id;
    await new Promise((r) => bystander.emit("kick", id, r));
    assert.equal((await reason)[0], "io server disconnect");

    const b = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    await waitFor(b, "connect", 10_000);
    const own = waitFor(b, "disconnect", 5000);
    b.disconnect();
    assert.equal((await own)[0], "io client disconnect");
  });
});

describe("server health", () => {
  it("nothing above was logged as an unhandled error", () => {
    // Runs last (tests run in order): bad input is expected to be logged as information, never as a crash.
    assert.doesNotMatch(srv.output(), /unhandled|uncaught|fail:|crit:/i);
  });
});
