// permessage-deflate (PER_MESSAGE_DEFLATE=1: engine.io's perMessageDeflate: true, threshold 1024 bytes).
// A `ws` client offers the extension as browsers do: the 101 accepts it as ws words it, large messages go
// compressed both ways (fewer bytes on the wire than the message), and socket.io-client round-trips over it.
// With the .NET server and DIRECT_WEBSOCKETS unset, the lean WebSocket engine serves these sessions (its 101 has
// no Date header, which Kestrel's HTTP stack adds); DIRECT_WEBSOCKETS=0 runs them through ASP.NET Core.
// SERVER_IMPL=dotnet|node.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { io as connect } from "socket.io-client";
import { startServer, SERVER_IMPL, withTimeout } from "./support/servers.mjs";

const lean = SERVER_IMPL === "dotnet" && process.env.DIRECT_WEBSOCKETS !== "0";
let server;

before(async () => {
  server = await startServer({ env: { PER_MESSAGE_DEFLATE: 1 } });
});

after(async () => {
  await server?.stop();
});

/** An Engine.IO WebSocket with the `ws` client's permessage-deflate offer; resolves once the open packet is in. */
function open() {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: true });
      const messages = [];
      const waiters = [];
      let response;
      ws.on("upgrade", (res) => (response = res));
      ws.on("message", (data) => {
        const text = data.toString();
        if (text === "2") return ws.send("3");
        const waiter = waiters.shift();
        if (waiter) waiter(text);
        else messages.push(text);
      });
      ws.on("error", reject);
      const next = () => (messages.length ? Promise.resolve(messages.shift()) : new Promise((r) => waiters.push(r)));
      ws.once("message", () => {
        messages.shift(); // the open packet
        resolve({ ws, response, next: () => withTimeout(next(), 5000, "a message") });
      });
    }),
    5000,
    "the WebSocket",
  );
}

describe("permessage-deflate", () => {
  it("is accepted in the 101 as ws answers it", async () => {
    const { ws, response } = await open();
    // ASP.NET Core's own answer adds client_max_window_bits=15 (as valid; RFC 7692 §7.1.2.2).
    if (SERVER_IMPL === "node" || lean) assert.equal(response.headers["sec-websocket-extensions"], "permessage-deflate");
    else assert.match(response.headers["sec-websocket-extensions"], /^permessage-deflate/);
    if (lean) assert.equal(response.headers.date, undefined, "served by the lean WebSocket engine");
    ws.close();
  });

  it("deflates large messages both ways and leaves small ones plain", async () => {
    const { ws, next } = await open();
    ws.send("40");
    assert.match(await next(), /^40\{/);
    const big = "x".repeat(200_000);
    const before = { read: ws._socket.bytesRead, written: ws._socket.bytesWritten };
    ws.send(`421["echo","${big}"]`);
    assert.equal(await next(), `431["${big}"]`);
    assert.ok(ws._socket.bytesWritten - before.written < 10_000, "the client's message went deflated");
    assert.ok(ws._socket.bytesRead - before.read < 10_000, "the server's reply came deflated");
    ws.send('422["echo","small"]');
    assert.equal(await next(), '432["small"]');
    ws.close();
  });

  it("carries a socket.io-client session", async () => {
    const socket = connect(server.url, { transports: ["websocket"], forceNew: true, reconnection: false });
    try {
      const big = "y".repeat(50_000);
      assert.equal(await withTimeout(socket.timeout(5000).emitWithAck("echo", big), 6000, "the ack"), big);
    } finally {
      socket.close();
    }
  });
});
