// Bench-only server: Node socket.io 4.8.4 on uWebSockets.js (`io.attachApp(app)`), the setup a performance-minded
// Node user picks. It serves the events the benchmark uses (echo, join, bcast-all, stats) with the same handlers as
// interop-tests/node-server.mjs, and REDIS_URL / REDIS_KEY / REDIS_ADAPTER=classic|streams for the cross-node
// scenarios; nothing else of the interop contract.
//
// The uWebSockets.js package (npm alias of @trufflesuite/uws-js-unofficial) silently falls back to a pure-JS
// implementation when its native binary does not load; a benchmark of that would measure something else, so this
// server refuses to start unless the native addon is in use.
//
// stdout carries exactly one line, `listening on http://HOST:PORT`; diagnostics go to stderr.

import { createRequire } from "node:module";
import { Server } from "socket.io";

const require = createRequire(import.meta.url);
const uws = require("uWebSockets.js");

// The native addon's exports are C++ functions; the fallback's App is a JavaScript function.
const native = typeof uws.App === "function" && /\[native code\]/.test(Function.prototype.toString.call(uws.App));
if (!native || process.env.UWS_USE_FALLBACK) {
  console.error("uWebSockets.js: the native binary is not in use (JS fallback); refusing to benchmark it");
  process.exit(3);
}

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST || "127.0.0.1";
const STATE_RECOVERY = process.env.STATE_RECOVERY ? Number(process.env.STATE_RECOVERY) : undefined;

const app = uws.App();
const io = new Server({
  serveClient: false,
  pingInterval: 25000,
  pingTimeout: 20000,
  ...(STATE_RECOVERY !== undefined
    ? { connectionStateRecovery: { maxDisconnectionDuration: STATE_RECOVERY, skipMiddlewares: true } }
    : {}),
});
io.attachApp(app);

if (process.env.REDIS_URL) {
  const { createClient } = await import("redis");
  const key = process.env.REDIS_KEY || "socket.io";
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on("error", (err) => console.error(`redis client error: ${err?.message ?? err}`));
  await Promise.all([pub.connect(), sub.connect()]);
  if (process.env.REDIS_ADAPTER === "streams") {
    const { createAdapter } = await import("@socket.io/redis-streams-adapter");
    io.adapter(createAdapter(pub, { streamName: key, channelPrefix: key }));
  } else {
    const { createAdapter } = await import("@socket.io/redis-adapter");
    io.adapter(createAdapter(pub, sub, { key }));
  }
}

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : undefined;
    if (ack) ack(...args);
    else socket.emit("echo", ...args);
  });
  socket.on("join", async (room, ack) => {
    await socket.join(room);
    if (typeof ack === "function") ack(io.of("/").adapter.rooms.get(room)?.size ?? 0);
  });
  socket.on("bcast-all", (room, payload, ack) => {
    (room ? io.in(room) : io).emit("msg", payload);
    if (typeof ack === "function") ack();
  });
  socket.on("stats", (ack) => {
    if (typeof ack === "function") {
      ack({ rss: process.memoryUsage().rss, clients: io.engine.clientsCount, runtime: `node ${process.version} uws` });
    }
  });
});

app.listen(HOST, PORT, (listenSocket) => {
  if (!listenSocket) {
    console.error(`could not listen on ${HOST}:${PORT}`);
    process.exit(1);
  }
  process.stdout.write(`listening on http://${HOST}:${uws.us_socket_local_port(listenSocket)}\n`);
});

const shutdown = () => {
  setTimeout(() => process.exit(0), 1000).unref();
  io.close(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
