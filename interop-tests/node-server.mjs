// Node twin of SocketIo.InteropServer: implements ../shared/interop-contract.md (beside the repository) with
// socket.io 4.8.4 (+ @socket.io/redis-adapter 8.3.0 when REDIS_URL is set), so that every
// interop test can run against Node, .NET, or a mixed cluster of both.
//
// stdout carries exactly one line, `listening on http://HOST:PORT`; diagnostics go to stderr.

import http from "node:http";
import { Server } from "socket.io";
import { Server as EngineServer } from "engine.io";
import { createRequire } from "node:module";

const env = process.env;

function intEnv(name, def) {
  const raw = env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`invalid ${name}=${JSON.stringify(raw)}: expected a non-negative integer`);
    process.exit(2);
  }
  return n;
}

const PORT = intEnv("PORT", 3000);
const HOST = env.HOST || "127.0.0.1";
const PING_INTERVAL = intEnv("PING_INTERVAL", 25000);
const PING_TIMEOUT = intEnv("PING_TIMEOUT", 20000);
const MAX_HTTP_BUFFER_SIZE = intEnv("MAX_HTTP_BUFFER_SIZE", 1_000_000);
const CONNECT_TIMEOUT = intEnv("CONNECT_TIMEOUT", 45000);
const CORS_ORIGIN = env.CORS_ORIGIN || undefined;
const REDIS_URL = env.REDIS_URL || undefined;
const REDIS_ADAPTER = env.REDIS_ADAPTER || "classic";
const REDIS_KEY = env.REDIS_KEY || "socket.io";
const REQUESTS_TIMEOUT = intEnv("REQUESTS_TIMEOUT", 5000);
const SERVER_NAME = env.SERVER_NAME || "node";
const EMIT_AUTH = env.EMIT_AUTH === "1";
const STATE_RECOVERY = env.STATE_RECOVERY ? intEnv("STATE_RECOVERY", 0) : undefined;

const PARSER = env.PARSER || "default";
if (PARSER !== "default" && PARSER !== "msgpack") {
  console.error(`invalid PARSER=${JSON.stringify(PARSER)}: expected default or msgpack`);
  process.exit(2);
}

if (REDIS_ADAPTER !== "classic" && REDIS_ADAPTER !== "sharded" && REDIS_ADAPTER !== "streams") {
  console.error(`invalid REDIS_ADAPTER=${JSON.stringify(REDIS_ADAPTER)}: expected classic, sharded or streams`);
  process.exit(2);
}

// Engine options shared by /socket.io/ and the bare /engine.io/ endpoint.
const engineOptions = {
  pingInterval: PING_INTERVAL,
  pingTimeout: PING_TIMEOUT,
  maxHttpBufferSize: MAX_HTTP_BUFFER_SIZE,
  // PER_MESSAGE_DEFLATE=1: ws negotiates permessage-deflate (engine.io's threshold, 1024 bytes).
  ...(env.PER_MESSAGE_DEFLATE === "1" ? { perMessageDeflate: true } : {}),
  ...(CORS_ORIGIN ? { cors: { origin: CORS_ORIGIN } } : {}),
  // Both engines listen for 'upgrade' on the same http server; by default each one ends
  // upgrade requests for paths that are not its own, which would break the other endpoint.
  destroyUpgrade: false,
  // ALLOW_EIO3=1: Engine.IO v3 clients (socket.io-client 2.x) are accepted on both endpoints.
  allowEIO3: env.ALLOW_EIO3 === "1",
};

// Requests outside both endpoints end here (each engine.attach() wraps the previous handler).
const httpServer = http.createServer((req, res) => {
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("Not Found");
});

// ---------------------------------------------------------------------------------------
// Socket.IO
// ---------------------------------------------------------------------------------------

const io = new Server(httpServer, {
  ...engineOptions,
  path: "/socket.io/",
  serveClient: false,
  connectTimeout: CONNECT_TIMEOUT,
  cleanupEmptyChildNamespaces: env.CLEANUP_EMPTY_CHILD_NAMESPACES === "1",
  ...(PARSER === "msgpack" ? { parser: createRequire(import.meta.url)("socket.io-msgpack-parser") } : {}),
  ...(STATE_RECOVERY !== undefined
    ? { connectionStateRecovery: { maxDisconnectionDuration: STATE_RECOVERY, skipMiddlewares: true } }
    : {}),
});

let pubClient;
let subClient;
if (REDIS_URL) {
  const { createClient } = await import("redis");
  const { createAdapter, createShardedAdapter } = await import("@socket.io/redis-adapter");
  pubClient = createClient({ url: REDIS_URL });
  subClient = pubClient.duplicate();
  for (const [name, client] of [["pub", pubClient], ["sub", subClient]]) {
    client.on("error", (err) => console.error(`redis ${name} client error: ${err?.message ?? err}`));
  }
  // node-redis retries forever; a server that cannot reach Redis at startup should say so.
  const giveUp = setTimeout(() => {
    console.error(`could not connect to Redis at ${REDIS_URL} within 10 s`);
    process.exit(1);
  }, 10_000);
  await Promise.all([pubClient.connect(), subClient.connect()]);
  clearTimeout(giveUp);
  const { createAdapter: createStreamsAdapter } = await import("@socket.io/redis-streams-adapter");
  io.adapter(
    REDIS_ADAPTER === "streams"
      ? // 0.3.1 has no requestsTimeout either: REQUESTS_TIMEOUT is applied per request, as for sharded.
        createStreamsAdapter(pubClient, { streamName: REDIS_KEY, channelPrefix: REDIS_KEY })
      : REDIS_ADAPTER === "sharded"
      ? // The sharded adapter has no requestsTimeout option: its requests use the emit timeout flag or 5000 ms
        // (redis-wire.md §7.1), so REQUESTS_TIMEOUT is applied per request (fetch, sse-ack).
        createShardedAdapter(pubClient, subClient, { channelPrefix: REDIS_KEY })
      : createAdapter(pubClient, subClient, { key: REDIS_KEY, requestsTimeout: REQUESTS_TIMEOUT }),
  );
}

const mainNsp = io.of("/");

if (env.ID_PREFIX) {
  const { randomBytes } = await import("node:crypto");
  // A base64id as engine.io makes it (15 random bytes, URL-safe base64), behind the prefix.
  io.engine.generateId = () => env.ID_PREFIX + randomBytes(15).toString("base64url");
}

// EXTRA_HEADERS=1: the contract's marks, on both engines (the bare one is made further down).
function addExtraHeaders(engine) {
  if (env.EXTRA_HEADERS !== "1") return;
  engine.on("initial_headers", (headers) => {
    headers["x-initial"] = "1";
  });
  engine.on("headers", (headers) => {
    headers["x-every"] = "1";
  });
}
addExtraHeaders(io.engine);

// ADMIN_UI: @socket.io/admin-ui 0.5.1 on /admin; "1" opens it to anyone, "user:password" asks for that login.
if (env.ADMIN_UI) {
  const { instrument } = await import("@socket.io/admin-ui");
  let auth = false;
  if (env.ADMIN_UI !== "1") {
    const colon = env.ADMIN_UI.indexOf(":");
    const { default: bcrypt } = await import("bcryptjs");
    auth = { type: "basic", username: env.ADMIN_UI.slice(0, colon), password: bcrypt.hashSync(env.ADMIN_UI.slice(colon + 1), 10) };
  }
  instrument(io, { auth, serverId: SERVER_NAME });
}

// conn-events(): each Engine.IO session's upgrading/upgrade events, recorded from the moment it opens
// (its upgrade may begin before the Socket.IO connection handler runs).
const connEvents = new WeakMap();
io.engine.on("connection", (conn) => {
  // A session that opens on WebSocket has no transport to upgrade to: nothing to record (as the .NET host).
  if (conn.transport.name === "websocket") return;
  const events = [];
  connEvents.set(conn, events);
  conn.on("upgrading", (transport) => events.push(`upgrading:${transport.name}`));
  conn.on("upgrade", (transport) => events.push(`upgrade:${transport.name}`));
});

// engine-errors(): what io.engine's connection_error has reported since the start.
const engineErrors = { count: 0, last: null };
io.engine.on("connection_error", (err) => {
  engineErrors.count += 1;
  engineErrors.last = { code: err.code, message: err.message };
});

/** null, undefined and "" mean "no room filter" (the whole namespace). */
function hasRoom(room) {
  return room !== null && room !== undefined && room !== "";
}

function inRoom(nsp, room) {
  return hasRoom(room) ? nsp.in(room) : nsp;
}

function errMessage(err) {
  if (!err) return null;
  return typeof err.message === "string" ? err.message : String(err);
}

/** Splits a trailing ack callback off an argument list. */
function splitAck(args) {
  if (args.length > 0 && typeof args[args.length - 1] === "function") {
    return [args.slice(0, -1), args[args.length - 1]];
  }
  return [args, undefined];
}

function compareOrdinal(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function onConnection(socket) {
  if (EMIT_AUTH) socket.emit("auth", socket.handshake.auth ?? {});
}

/** The events of the contract table, for `/`, `/mw` and the dynamic namespaces. */
function registerEvents(socket) {
  const nsp = socket.nsp;

  socket.on("message", (...raw) => {
    const [args] = splitAck(raw);
    socket.emit("message-back", ...args);
  });

  socket.on("message-with-ack", (...raw) => {
    const [args, ack] = splitAck(raw);
    ack?.(...args);
  });

  socket.on("echo", (...raw) => {
    const [args, ack] = splitAck(raw);
    if (ack) ack(...args);
    else socket.emit("echo", ...args);
  });

  socket.on("join", async (room, ack) => {
    await socket.join(room);
    if (typeof ack === "function") ack(nsp.adapter.rooms.get(room)?.size ?? 0);
  });

  socket.on("leave", async (room, ack) => {
    await socket.leave(room);
    if (typeof ack === "function") ack(nsp.adapter.rooms.get(room)?.size ?? 0);
  });

  socket.on("bcast", (room, payload, ack) => {
    if (hasRoom(room)) socket.to(room).emit("msg", payload);
    else socket.broadcast.emit("msg", payload);
    if (typeof ack === "function") ack();
  });

  socket.on("bcast-all", (room, payload, ack) => {
    inRoom(nsp, room).emit("msg", payload);
    if (typeof ack === "function") ack();
  });

  socket.on("bcast-except", (room, except, payload, ack) => {
    let op = inRoom(nsp, room);
    if (hasRoom(except)) op = op.except(except);
    op.emit("msg", payload);
    if (typeof ack === "function") ack();
  });

  socket.on("bcast-ack", (room, payload, timeoutMs, ack) => {
    // The callback form (rather than emitWithAck) also reports the responses that did
    // arrive when the timeout fires.
    inRoom(nsp, room)
      .timeout(Number(timeoutMs))
      .emit("ask", payload, (err, responses) => {
        if (typeof ack === "function") ack({ err: errMessage(err), responses: responses ?? [] });
      });
  });

  socket.on("fetch", async (room, ack) => {
    try {
      const sockets = await inRoom(nsp, room).timeout(REQUESTS_TIMEOUT).fetchSockets();
      const list = sockets
        .map((s) => ({
          id: s.id,
          rooms: [...s.rooms].sort(compareOrdinal),
          data: s.data,
          auth: s.handshake.auth,
        }))
        .sort((a, b) => compareOrdinal(a.id, b.id));
      if (typeof ack === "function") ack(list);
    } catch (err) {
      console.error(`fetch failed: ${errMessage(err)}`);
      if (typeof ack === "function") ack({ err: errMessage(err) });
    }
  });

  // The handshake instants as this server reads them, in Unix ms (see the .NET twin's "fetch-times").
  socket.on("fetch-times", async (room, ack) => {
    try {
      const sockets = await inRoom(nsp, room).timeout(REQUESTS_TIMEOUT).fetchSockets();
      const list = sockets
        .map((s) => ({ id: s.id, time: Date.parse(s.handshake.time), issued: s.handshake.issued }))
        .sort((a, b) => compareOrdinal(a.id, b.id));
      if (typeof ack === "function") ack(list);
    } catch (err) {
      if (typeof ack === "function") ack({ err: errMessage(err) });
    }
  });

  socket.on("sockets-join", (target, room, ack) => {
    inRoom(nsp, target).socketsJoin(room);
    if (typeof ack === "function") ack();
  });

  socket.on("sockets-leave", (target, room, ack) => {
    inRoom(nsp, target).socketsLeave(room);
    if (typeof ack === "function") ack();
  });

  socket.on("kick", (target, ack) => {
    inRoom(nsp, target).disconnectSockets(true);
    // Lost when the sender kicked itself: its connection is already closing.
    if (typeof ack === "function") ack();
  });

  socket.on("set-data", (obj, ack) => {
    socket.data = obj;
    if (typeof ack === "function") ack();
  });

  socket.on("whoami", (ack) => {
    if (typeof ack === "function") ack({ server: SERVER_NAME, id: socket.id });
  });

  socket.on("state", (ack) => {
    if (typeof ack === "function") {
      ack({ id: socket.id, recovered: socket.recovered, rooms: [...socket.rooms].sort(compareOrdinal), data: socket.data });
    }
  });

  socket.on("engine-errors", (ack) => {
    if (typeof ack === "function") ack({ count: engineErrors.count, last: engineErrors.last });
  });

  socket.on("conn-events", (ack) => {
    if (typeof ack === "function") ack([...(connEvents.get(socket.conn) ?? [])]);
  });

  socket.on("namespaces", (ack) => {
    if (typeof ack === "function") ack([...io._nsps.keys()].sort(compareOrdinal));
  });

  // adapter-maps(): nsp.adapter.rooms and nsp.adapter.sids, each set sorted.
  socket.on("adapter-maps", (ack) => {
    const sorted = (map) => Object.fromEntries([...map].map(([key, set]) => [key, [...set].sort(compareOrdinal)]));
    if (typeof ack === "function") ack({ rooms: sorted(nsp.adapter.rooms), sids: sorted(nsp.adapter.sids) });
  });

  socket.on("write", (...raw) => {
    const [args, ack] = splitAck(raw);
    socket.write(...args);
    ack?.();
  });

  // client(): what socket.client shows of the connection.
  socket.on("client", (ack) => {
    if (typeof ack === "function") {
      ack({
        conn: socket.client.conn.id,
        nsps: [...socket.client.nsps.keys()].sort(compareOrdinal),
        sockets: [...socket.client.sockets.keys()].sort(compareOrdinal),
      });
    }
  });

  socket.on("disconnect-self", (...raw) => {
    const [args, ack] = splitAck(raw);
    ack?.();
    socket.disconnect(args[0] === true);
  });

  // Server-side events always go through the main namespace, where hello/who listen.
  socket.on("sse", (event, ...raw) => {
    const [args, ack] = splitAck(raw);
    // The in-memory adapter has no other servers to reach (and only logs a warning).
    if (REDIS_URL) mainNsp.serverSideEmit(event, ...args);
    ack?.();
  });

  socket.on("sse-ack", (event, timeoutMs, ...raw) => {
    const [args, ack] = splitAck(raw);
    if (!ack) return;
    if (!REDIS_URL) {
      // No cluster: zero other servers, hence zero responses.
      ack({ err: null, responses: [] });
      return;
    }
    // socket.io 4.8 has no per-call timeout for server-side acks (the classic adapter uses requestsTimeout, the
    // sharded one always 5000 ms), so timeoutMs is enforced here, and REQUESTS_TIMEOUT too for the sharded adapter
    // (the contract: it bounds cluster requests for every adapter kind).
    const limit = REDIS_ADAPTER === "sharded" ? Math.min(Number(timeoutMs), REQUESTS_TIMEOUT) : Number(timeoutMs);
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      ack({ err: "operation has timed out", responses: [] });
    }, limit);
    mainNsp.serverSideEmit(event, ...args, (err, responses) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ack({ err: errMessage(err), responses: responses ?? [] });
    });
  });

  socket.on("stats", (ack) => {
    if (typeof ack !== "function") return;
    ack({
      rss: process.memoryUsage().rss,
      clients: io.engine.clientsCount,
      runtime: `node ${process.version}`,
    });
  });
}

// Server-side listeners (events from the other servers of the cluster).
mainNsp.on("hello", (x) => {
  io.local.emit("hello-from", { server: SERVER_NAME, x });
});
mainNsp.on("who", (...args) => {
  const [, ack] = splitAck(args);
  ack?.(SERVER_NAME);
});

mainNsp.on("connection", (socket) => {
  onConnection(socket);
  registerEvents(socket);
});

io.of("/custom").on("connection", (socket) => {
  onConnection(socket);
});

const mwNsp = io.of("/mw");
mwNsp.use((socket, next) => {
  if (socket.handshake.auth?.token === "valid") return next();
  const err = new Error("not authorized");
  err.data = { reason: "bad token" };
  next(err);
});
mwNsp.on("connection", (socket) => {
  onConnection(socket);
  registerEvents(socket);
});

io.of(/^\/dyn-\d+$/).on("connection", (socket) => {
  onConnection(socket);
  registerEvents(socket);
});

// ---------------------------------------------------------------------------------------
// Bare Engine.IO echo endpoint
// ---------------------------------------------------------------------------------------

const eio = new EngineServer(engineOptions);
eio.attach(httpServer, { path: "/engine.io/", destroyUpgrade: false });
addExtraHeaders(eio);
eio.on("connection", (socket) => {
  // Text arrives as a string and binary as a Buffer; both are sent back as they came.
  socket.on("message", (data) => socket.send(data));
});

// ---------------------------------------------------------------------------------------
// Lifetime
// ---------------------------------------------------------------------------------------

httpServer.on("error", (err) => {
  console.error(`http server error: ${err.message}`);
  process.exit(1);
});

httpServer.listen(PORT, HOST, () => {
  const { port } = httpServer.address();
  const host = HOST.includes(":") ? `[${HOST}]` : HOST;
  process.stdout.write(`listening on http://${host}:${port}\n`);
});

let shuttingDown = false;
async function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.error(`${signal} received, shutting down`);
  // Never hang on shutdown: a lingering keep-alive socket must not keep us alive.
  setTimeout(() => {
    console.error("shutdown took too long, exiting anyway");
    process.exit(0);
  }, 3000).unref();
  try {
    eio.close();
    await new Promise((resolve) => io.close(() => resolve()));
  } catch (err) {
    console.error(`error while closing: ${errMessage(err)}`);
  }
  for (const client of [subClient, pubClient]) {
    if (!client) continue;
    try {
      await client.quit();
    } catch (err) {
      console.error(`error while quitting redis: ${errMessage(err)}`);
    }
  }
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
