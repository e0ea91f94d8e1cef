// Captures the Redis traffic of two real Node socket.io servers on @socket.io/redis-streams-adapter 0.3.1: every
// command (redis-cli MONITOR), every channel message (PSUBSCRIBE *), every stream entry (XRANGE) and session key,
// per scenario, as golden vectors for SocketIo.Redis's RedisStreamsAdapter.
//
//   node scripts/capture-streams.mjs <out-dir>        (needs redis-server and redis-cli)
//
// The output is committed under SocketIo.Tests/Redis/StreamsCaptures/; this script is how to make it again.
// Waits between steps are fine here: this is a recorder, not a test.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { Server } from "socket.io";
import { io as ioc } from "socket.io-client";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { decode } from "@msgpack/msgpack";

const outDir = process.argv[2] ?? "SocketIo.Tests/Redis/StreamsCaptures";
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Parses one redis-cli MONITOR line into its arguments as Buffers (redis-cli escapes with \" \\ \n \r \t \a \b \xHH). */
function parseMonitor(line) {
  const m = /^\d+\.\d+ \[\d+ [^\]]+\] (.*)$/.exec(line);
  if (!m) return null;
  const args = [];
  const s = m[1];
  let i = 0;
  while (i < s.length) {
    if (s[i] !== '"') { i++; continue; }
    i++;
    const bytes = [];
    while (s[i] !== '"') {
      if (s[i] === "\\") {
        const c = s[i + 1];
        if (c === "x") { bytes.push(parseInt(s.slice(i + 2, i + 4), 16)); i += 4; continue; }
        const map = { n: 10, r: 13, t: 9, a: 7, b: 8, '"': 34, "\\": 92 };
        bytes.push(map[c] ?? c.charCodeAt(0)); i += 2; continue;
      }
      bytes.push(...Buffer.from(s[i], "utf8")); i++;
    }
    i++;
    args.push(Buffer.from(bytes));
  }
  return args;
}

const printable = (b) => /^[\x20-\x7e]*$/.test(b.toString("latin1"));
const showArg = (b) => (printable(b) ? b.toString("latin1") : { $hex: b.toString("hex") });

/** A JSON view of a decoded @msgpack/msgpack value: bytes as {$bin: hex}. */
function tag(v) {
  if (v instanceof Uint8Array) return { $bin: Buffer.from(v).toString("hex") };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (v === undefined) return { $undefined: true };
  if (Array.isArray(v)) return v.map(tag);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tag(x)]));
  return v;
}

function describeField(name, value) {
  if (name !== "data") return value;
  if (value.startsWith("{")) return { encoding: "json", raw: value, decoded: JSON.parse(value) };
  const bytes = Buffer.from(value, "base64");
  return { encoding: "base64-msgpack", raw: value, msgpack_hex: bytes.toString("hex"), decoded: tag(decode(bytes)) };
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  const redisPort = await freePort();
  const redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await pause(300);
  const url = `redis://127.0.0.1:${redisPort}`;

  const monitorLines = [];
  const monitor = spawn("redis-cli", ["-p", String(redisPort), "monitor"]);
  let pending = "";
  monitor.stdout.on("data", (d) => {
    pending += d.toString("latin1");
    const lines = pending.split("\n");
    pending = lines.pop();
    monitorLines.push(...lines);
  });
  const spy = createClient({ url });
  await spy.connect();
  const psub = spy.duplicate();
  await psub.connect();
  const channelMessages = [];
  await psub.pSubscribe("*", (message, channel) => channelMessages.push({ channel, payload: message }), true);

  const runs = [
    { name: "streams-default", opts: {}, recovery: true },
    { name: "streams-count3", opts: { streamCount: 3 }, recovery: false, only: ["00-startup", "01-broadcast-all", "13-chat-namespace"] },
    { name: "streams-plaintext", opts: { onlyPlaintext: true }, recovery: false, only: ["00-startup", "04-binary"] },
    { name: "streams-sharded", opts: { useShardedPubSub: true }, recovery: false, only: ["00-startup", "05-fetch-sockets", "08-server-side-emit", "12-server-leaves"] },
    { name: "streams-custom", opts: { streamName: "my-stream", channelPrefix: "my-prefix", sessionKeyPrefix: "my-session:", maxLen: 50, readCount: 7, blockTimeInMs: 1234 }, recovery: true, only: ["00-startup", "01-broadcast-all", "11-session-restore"] },
  ];

  for (const run of runs) {
    await spy.flushAll();
    const setupFrom = monitorLines.length;
    const servers = [];
    for (const label of ["A", "B"]) {
      const port = await freePort();
      const httpServer = http.createServer();
      const pub = createClient({ url });
      await pub.connect();
      const io = new Server(httpServer, {
        ...(run.recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true } } : {}),
      });
      io.adapter(createAdapter(pub, run.opts));
      const events = [];
      io.on("new-date", () => {});
      io.on("hello", (...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        events.push({ server: label, serverSideEmit: tag(args) });
        ack?.(`${label}-ack`);
      });
      io.of("/chat");
      await new Promise((r) => httpServer.listen(port, "127.0.0.1", r));
      servers.push({ label, port, io, httpServer, pub, events });
    }
    const [A, B] = servers;
    await pause(300);
    // What the adapters sent while starting (SUBSCRIBE, the first XREAD from "$"), before any scenario.
    const setupCommands = monitorLines.slice(setupFrom).map(parseMonitor).filter((a) => a && a.length).map((a) => a.map(showArg));

    const received = [];
    const clients = {};
    async function connect(name, server, nsp = "/", rooms = [], extra = {}) {
      const c = ioc(`http://127.0.0.1:${server.port}${nsp}`, { transports: ["websocket"], forceNew: true, reconnection: false, ...extra });
      c.onAny((event, ...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        received.push({ client: name, event, args: tag(args) });
        ack?.({ client: name, bin: Buffer.from([0xca, 0xfe]) });
      });
      await new Promise((r) => c.on("connect", r));
      const nspObj = server.io.of(nsp);
      for (const room of rooms) nspObj.sockets.get(c.id).join(room);
      clients[name] = c;
      return c;
    }

    const scenarios = [];
    let lastId = "0-0";
    async function scenario(name, action) {
      if (run.only && !run.only.includes(name)) return;
      await pause(250);
      const fromLine = monitorLines.length;
      const fromMsg = channelMessages.length;
      received.length = 0;
      for (const s of servers) s.events.length = 0;
      let result;
      try {
        result = await action();
      } catch (e) {
        result = { error: String(e?.message ?? e) };
      }
      await pause(400);
      const commands = monitorLines.slice(fromLine).map(parseMonitor).filter((a) => a && a.length)
        .filter((a) => !(a[0].toString().toUpperCase() === "PING"))
        .map((a) => a.map(showArg));
      const streamKeys = (await spy.keys("*")).filter(Boolean).sort();
      const entries = {};
      for (const key of streamKeys) {
        if ((await spy.type(key)) !== "stream") continue;
        const list = await spy.xRange(key, "-", "+");
        entries[key] = list.map((e) => ({ id: e.id, fields: Object.fromEntries(Object.entries(e.message).map(([k, v]) => [k, describeField(k, v)])) }));
      }
      const sessions = {};
      for (const key of streamKeys) {
        if ((await spy.type(key)) !== "string") continue;
        const raw = await spy.get(key);
        const bytes = Buffer.from(raw, "base64");
        sessions[key] = { raw, msgpack_hex: bytes.toString("hex"), decoded: tag(decode(bytes)), pttl: await spy.pTTL(key) };
      }
      const file = {
        run: run.name,
        scenario: name,
        adapter_options: run.opts,
        connection_state_recovery: run.recovery,
        servers: servers.map((s) => ({ label: s.label, uids: Object.fromEntries([...s.io._nsps].map(([n, nsp]) => [n, nsp.adapter.uid])) })),
        clients: Object.fromEntries(Object.entries(clients).map(([k, c]) => [k, c.id])),
        ...(name === "00-startup" ? { setup_commands: setupCommands } : {}),
        result: tag(result),
        redis_commands: commands,
        channel_messages: channelMessages.slice(fromMsg).map((m) => ({ channel: m.channel, payload_hex: Buffer.from(m.payload).toString("hex"), decoded: tag(decode(m.payload)) })),
        streams_after: entries,
        session_keys_after: sessions,
        client_received: received.slice(),
        server_events: servers.flatMap((s) => s.events),
      };
      scenarios.push(file);
      void lastId;
    }

    await scenario("00-startup", async () => {
      await connect("c1", A, "/", ["room1", "room3"]);
      await connect("c2", A, "/", ["room2"]);
      await connect("c3", B, "/", ["room1"]);
      await connect("c4", B, "/", ["room2", "room3"]);
      const channel = `${run.opts.channelPrefix ?? "socket.io"}#/#`;
      return run.opts.useShardedPubSub
        ? { shardnumsub: await spy.sendCommand(["PUBSUB", "SHARDNUMSUB", channel]) }
        : { numsub: await spy.pubSubNumSub([channel]) };
    });
    await scenario("01-broadcast-all", async () => { A.io.emit("hello-all", 1, "two", { three: [3] }); });
    await scenario("02-broadcast-rooms", async () => { A.io.to("room1").to("room2").emit("rooms", "x"); });
    await scenario("03-broadcast-except", async () => { A.io.to("room1").except("room3").emit("except", 1.5, null, true); });
    await scenario("04-binary", async () => { A.io.emit("bin", Buffer.from([1, 2, 3]), { nested: Buffer.from([0xff]) }); });
    await scenario("05-fetch-sockets", async () => {
      const sockets = await A.io.fetchSockets();
      return sockets.map((s) => ({ id: s.id, rooms: [...s.rooms].sort() })).sort((a, b) => (a.id < b.id ? -1 : 1));
    });
    await scenario("06-sockets-join-leave", async () => {
      A.io.in("room1").socketsJoin("joined");
      await pause(100);
      A.io.in("room2").socketsLeave("room2");
    });
    await scenario("07-disconnect-sockets", async () => {
      await connect("c5", B, "/", ["kick"]);
      A.io.in("kick").disconnectSockets(true);
    });
    await scenario("08-server-side-emit", async () => { A.io.serverSideEmit("hello", "world", 42); });
    await scenario("09-server-side-emit-ack", async () => {
      const responses = await A.io.serverSideEmitWithAck("hello", "ack?");
      return { responses };
    });
    await scenario("10-broadcast-ack", async () => {
      const responses = await A.io.to("room1").timeout(2000).emitWithAck("ask", "q");
      return { responses };
    });
    await scenario("11-session-restore", async () => {
      const c = await connect("c6", A, "/", ["lost"]);
      // The client keeps the offset of the last packet it got: give it one before the drop.
      A.io.to("lost").emit("first", 0);
      await pause(200);
      const before = { id: c.id, lastOffset: c._lastOffset };
      // The websocket dropping (not a namespace disconnect) is what persists a session.
      c.io.engine.close();
      await pause(200);
      A.io.to("lost").emit("missed", 1);
      B.io.emit("missed-all", 2);
      await pause(200);
      // Reconnect to B with the same pid and offset the client kept.
      const back = ioc(`http://127.0.0.1:${B.port}/`, { transports: ["websocket"], forceNew: true, reconnection: false, auth: {} });
      back.auth = (cb) => cb({});
      const got = [];
      back.onAny((event, ...args) => got.push({ event, args }));
      // socket.io-client sends pid/offset from its private fields; reuse them on the new Manager's socket.
      back._pid = c._pid;
      back._lastOffset = c._lastOffset;
      await new Promise((r) => back.on("connect", r));
      await pause(200);
      clients.c6back = back;
      return { before, after: { id: back.id, recovered: back.recovered }, pid: c._pid, lastOffset: c._lastOffset, got };
    });
    await scenario("13-chat-namespace", async () => {
      await connect("c7", B, "/chat", ["lobby"]);
      A.io.of("/chat").to("lobby").emit("chat", "hi");
    });
    await scenario("12-server-leaves", async () => {
      const before = await A.io.of("/").adapter.serverCount();
      for (const c of Object.values(clients)) c.disconnect();
      await new Promise((r) => B.io.close(r));
      await B.pub.quit().catch(() => {});
      await pause(300);
      const after = await A.io.of("/").adapter.serverCount();
      return { serverCountBefore: before, serverCountAfter: after };
    });

    for (const c of Object.values(clients)) c.disconnect();
    for (const s of servers) {
      await new Promise((r) => s.io.close(() => r())).catch(() => {});
      await s.pub.quit().catch(() => {});
    }
    const dir = path.join(outDir, run.name);
    mkdirSync(dir, { recursive: true });
    for (const s of scenarios) writeFileSync(path.join(dir, `${s.scenario}.json`), JSON.stringify(s, null, 2) + "\n");
    console.error(`${run.name}: ${scenarios.length} scenarios`);
  }

  await psub.quit();
  await spy.quit();
  monitor.kill();
  redis.kill();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
