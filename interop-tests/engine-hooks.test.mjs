// The engine's hooks and session events. Header hooks (contract: EXTRA_HEADERS=1): `initial_headers` marks the handshake response
// with x-initial, `headers` marks every response engine.io's "headers" event sees with x-every (polling
// GET and POST answered 200, the 101 of every WebSocket), and neither touches 400s or CORS preflights.
// Raw HTTP and `ws`, so that the response headers are visible; on /socket.io/ and /engine.io/ alike.
// Session events: conn-events() reports socket.conn's upgrading/upgrade events.
// SERVER_IMPL=dotnet|node; DIRECT_WEBSOCKETS=0 serves the .NET WebSockets through ASP.NET Core.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { io as connect } from "socket.io-client";
import { startServer, waitFor, withTimeout } from "./support/servers.mjs";
import { call } from "./support/clients.mjs";

const ORIGIN = "http://example.com";
// Without CORS_ORIGIN, so that the .NET host's lean WebSocket listener answers new WebSocket sessions
// itself (it leaves CORS to ASP.NET Core); the preflight test has a server of its own.
let server;
let withCors;

before(async () => {
  [server, withCors] = await Promise.all([
    startServer({ env: { EXTRA_HEADERS: 1 } }),
    startServer({ env: { EXTRA_HEADERS: 1, CORS_ORIGIN: ORIGIN } }),
  ]);
});

after(async () => {
  await Promise.all([server?.stop(), withCors?.stop()]);
});

/** The marks a response carries: [x-initial, x-every], undefined where absent. */
function marks(headers) {
  return [headers["x-initial"], headers["x-every"]];
}

async function request(path, query, { method = "GET", body, headers = {}, on = server } = {}) {
  const response = await fetch(`${on.url}${path}?${query}`, { method, body, headers });
  return { status: response.status, text: await response.text(), headers: Object.fromEntries(response.headers) };
}

/** Opens a WebSocket and resolves with the headers of its 101; the socket is closed at once. */
function upgradeHeaders(path, query) {
  const ws = new WebSocket(`${server.url.replace("http", "ws")}${path}?${query}`);
  return withTimeout(
    new Promise((resolve, reject) => {
      ws.once("upgrade", (response) => {
        resolve(response.headers);
        ws.terminate();
      });
      ws.once("error", reject);
    }),
    5000,
    `the 101 of ${path}?${query}`,
  );
}

for (const path of ["/socket.io/", "/engine.io/"]) {
  describe(`EXTRA_HEADERS=1 on ${path}`, () => {
    it("the polling handshake carries both marks; a POST and a poll only x-every", async () => {
      const handshake = await request(path, "EIO=4&transport=polling");
      assert.equal(handshake.status, 200);
      assert.deepEqual(marks(handshake.headers), ["1", "1"]);
      const sid = JSON.parse(handshake.text.slice(1)).sid;
      const query = `EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;

      // On /socket.io/ "40" connects the main namespace (its CONNECT comes back on the poll); on
      // /engine.io/ "4hi" is echoed.
      const payload = path === "/socket.io/" ? "40" : "4hi";
      const post = await request(path, query, { method: "POST", body: payload, headers: { "Content-Type": "text/plain;charset=UTF-8" } });
      assert.deepEqual([post.status, post.text], [200, "ok"]);
      assert.deepEqual(marks(post.headers), [undefined, "1"]);

      const poll = await request(path, query);
      assert.equal(poll.status, 200);
      assert.ok(poll.text.startsWith(path === "/socket.io/" ? "40" : "4hi"), poll.text);
      assert.deepEqual(marks(poll.headers), [undefined, "1"]);

      // Upgrading the same session: its 101 carries x-every only (the request has a sid).
      assert.deepEqual(marks(await upgradeHeaders(path, `EIO=4&transport=websocket&sid=${encodeURIComponent(sid)}`)), [undefined, "1"]);
    });

    it("a WebSocket handshake's 101 carries both marks", async () => {
      assert.deepEqual(marks(await upgradeHeaders(path, "EIO=4&transport=websocket")), ["1", "1"]);
    });

    it("a 400 and a CORS preflight carry neither", async () => {
      const unknown = await request(path, "EIO=4&transport=polling&sid=unknown");
      assert.equal(unknown.status, 400);
      assert.deepEqual(marks(unknown.headers), [undefined, undefined]);

      const preflight = await request(path, "EIO=4&transport=polling", {
        method: "OPTIONS",
        headers: { Origin: ORIGIN, "Access-Control-Request-Method": "POST" },
        on: withCors,
      });
      assert.equal(preflight.status, 204);
      assert.deepEqual(marks(preflight.headers), [undefined, undefined]);
      // The same server marks its handshakes: the preflight is left alone, not the endpoint.
      assert.deepEqual(marks((await request(path, "EIO=4&transport=polling", { on: withCors })).headers), ["1", "1"]);
    });
  });
}

describe("conn-events(): socket.conn's upgrading and upgrade events", () => {
  async function connected(options) {
    const client = connect(server.url, { reconnection: false, forceNew: true, ...options });
    await waitFor(client, "connect", 5000, { rejectOn: ["connect_error"] });
    return client;
  }

  it("polling then WebSocket: upgrading:websocket, upgrade:websocket, in that order", async () => {
    const client = await connected({ transports: ["polling", "websocket"] });
    try {
      if (client.io.engine.transport.name !== "websocket") await waitFor(client.io.engine, "upgrade", 5000);
      const [events] = await call(client, "conn-events");
      assert.deepEqual(events, ["upgrading:websocket", "upgrade:websocket"]);
    } finally {
      client.close();
    }
  });

  it("WebSocket from the start, and polling without upgrades: none", async () => {
    for (const transports of [["websocket"], ["polling"]]) {
      const client = await connected({ transports, upgrade: false });
      try {
        const [events] = await call(client, "conn-events");
        assert.deepEqual(events, [], transports[0]);
      } finally {
        client.close();
      }
    }
  });
});
