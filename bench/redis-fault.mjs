#!/usr/bin/env node
// Fault run: Redis killed (SIGKILL) and restarted on the same port under steady broadcast traffic, for each Redis
// adapter (classic, sharded) and each pair of servers (.NET+.NET, .NET+Node, and Node+Node for comparison).
//
//   node bench/redis-fault.mjs [--only classic:dotnet+node,...] [--rate N] [--before S] [--outage S] [--after S] [--shield-node] [--json]
//
// Per pair: servers A and B on one private redis-server; on each a sender and a receiver (default socket.io-client
// 4.8.4 over WebSocket). Each sender emits `bcast(null, {from, seq})` every 1000/rate ms (not waiting for acks),
// so each receiver gets one local and one cross-server stream. Traffic runs `before` s, Redis is SIGKILLed, stays
// down `outage` s, is started again on the same port (empty: no persistence), and traffic goes on until both
// cross-server streams are flowing again, then `after` s more; a fence message from each sender ends the run.
//
// What is checked, per (receiver, sender) stream:
//   order   — sequence numbers strictly increase (no reordering, no duplicates);
//   loss    — missing sequence numbers; every lost message must have been emitted inside the outage window
//             [kill − 250 ms, recovery], where recovery = the emit time of the first message after the restart that
//             reached the other server; a loss outside it fails the run;
//   recovery— from "redis-server ready again" to the first cross-server delivery of a message emitted after it,
//             with no help from outside (no restart of the servers, no reconnect of the clients);
//   late    — messages emitted while Redis was down and delivered after it was back (a client library's offline
//             queue replaying publishes), reported, not an error;
// plus: local streams lose nothing, no server process died, no client disconnected.
// The exit code is non-zero when a check fails for a pair with a .NET server; Node+Node is reported as measured.
// Needs `dotnet build -c Release SocketIoNet.sln` and redis-server on PATH.

import { spawn } from "node:child_process";
import { io as ioc } from "socket.io-client";
import { freePort, startServer, withTimeout } from "../interop-tests/support/servers.mjs";

const ALL = ["classic", "sharded"].flatMap((adapter) =>
  [["dotnet", "dotnet"], ["dotnet", "node"], ["node", "node"]].map((impls) => ({ adapter, impls })),
);

function parseArgs(argv) {
  const o = { rate: 100, before: 2, outage: 2, after: 2, json: false, only: null, shieldNode: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--rate") o.rate = Number(argv[++i]);
    else if (a === "--before") o.before = Number(argv[++i]);
    else if (a === "--outage") o.outage = Number(argv[++i]);
    else if (a === "--after") o.after = Number(argv[++i]);
    else if (a === "--json") o.json = true;
    else if (a === "--shield-node") o.shieldNode = true;
    else if (a === "--only") o.only = argv[++i].split(",");
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const IN_FLIGHT_MS = 250;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts redis-server on `port` (no persistence); resolves when it accepts connections. */
async function redisOn(port) {
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout.setEncoding("utf8");
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  const killIt = () => proc.kill("SIGKILL");
  process.on("exit", killIt);
  await withTimeout(
    new Promise((resolve, reject) => {
      proc.stdout.on("data", () => /Ready to accept connections/.test(out) && resolve());
      proc.once("exit", (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
    }),
    10_000,
    "redis-server to be ready",
  );
  const exited = new Promise((r) => proc.once("exit", r));
  return {
    kill: async () => {
      proc.kill("SIGKILL");
      await exited;
      process.off("exit", killIt);
    },
  };
}

function connect(url) {
  const socket = ioc(url, { forceNew: true, transports: ["websocket"] });
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    }),
    10_000,
    `connect to ${url}`,
  );
}

export async function faultRun({ adapter, impls, rate = 100, before = 2, outage = 2, after = 2, shieldNode = false }) {
  const port = await freePort();
  let redis = await redisOn(port);
  const env = { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_ADAPTER: adapter, REDIS_KEY: `fault-${adapter}`, REQUESTS_TIMEOUT: 2000 };
  const servers = await Promise.all(impls.map((impl, i) => startServer({ impl, env: { ...env, SERVER_NAME: `${impl}-${"AB"[i]}` } })));
  const died = [];
  for (const s of servers) s.proc.once("exit", (code, signal) => died.push(`${s.impl} (code ${code}, signal ${signal})`));
  const sockets = [];
  const timers = [];
  try {
    const senders = [];
    const receivers = [];
    for (const [i, s] of servers.entries()) {
      const sender = await connect(s.url);
      const receiver = await connect(s.url);
      sockets.push(sender, receiver);
      senders.push({ name: "AB"[i], impl: s.impl, socket: sender, seq: 0, sent: [], acked: 0, ackFailed: 0, paused: false });
      receivers.push({ name: "AB"[i], socket: receiver, got: { A: [], B: [] }, disconnects: 0 });
    }
    for (const r of receivers) {
      r.socket.on("msg", (m) => r.got[m.from]?.push({ seq: m.seq, t: Date.now() }));
      r.socket.on("disconnect", () => r.disconnects++);
    }
    for (const s of senders) s.socket.on("disconnect", () => (s.disconnects = (s.disconnects ?? 0) + 1));
    // The classic adapter subscribes at connection; the sharded one may subscribe lazily: wait until a
    // cross-server message arrives both ways before the clock starts.
    const crossFlowing = (sinceT) =>
      receivers.every((r) => r.got[r.name === "A" ? "B" : "A"].some((g) => senders.find((s) => s.name !== r.name).sent[g.seq - 1] >= sinceT));
    const emit = (s) => {
      const seq = ++s.seq;
      s.sent.push(Date.now());
      s.socket.timeout(10_000).emit("bcast", null, { from: s.name, seq }, (err) => (err ? s.ackFailed++ : s.acked++));
    };
    for (const s of senders) timers.push(setInterval(() => s.paused || emit(s), 1000 / rate));
    const waitUntil = async (pred, ms, label, { abortOnDeath = true } = {}) => {
      const deadline = Date.now() + ms;
      while (!pred()) {
        // A dead server does not recover: stop waiting for it.
        if (abortOnDeath && died.length) throw new Error(`a server died while waiting for ${label}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${label}`);
        await sleep(10);
      }
    };
    const t0 = Date.now();
    await waitUntil(() => crossFlowing(t0), 10_000, "cross-server traffic before the fault");
    await sleep(before * 1000);

    // shieldNode: Node's senders pause from 200 ms before the kill to 300 ms after it. A Node server whose
    // publish is being written when Redis dies exits (unhandled EPIPE rejection); the pause keeps it alive so
    // that its recovery can be measured at all. Pausing only skips sequence numbers' emission: nothing is lost.
    const shielded = shieldNode ? senders.filter((s) => s.impl === "node") : [];
    for (const s of shielded) s.paused = true;
    if (shielded.length) await sleep(200);
    const killedAt = Date.now();
    await redis.kill();
    if (shielded.length) {
      await sleep(300);
      for (const s of shielded) s.paused = false;
    }
    await sleep(outage * 1000 - (shielded.length ? 300 : 0));
    redis = await redisOn(port);
    const readyAt = Date.now();
    let recovered = true;
    try {
      await waitUntil(() => crossFlowing(readyAt), 30_000, "cross-server delivery after the restart");
    } catch {
      recovered = false;
    }
    const recoveredAt = Date.now();
    if (recovered) await sleep(after * 1000);
    for (const t of timers) clearInterval(t);
    timers.length = 0;
    // Fence: one more message from each sender; when it has arrived everywhere (or 5 s passed) the run ends.
    const fenceFrom = senders.map((s) => {
      emit(s);
      return s.seq;
    });
    // Only the living can be waited for: a dead server's clients neither send nor receive.
    const alive = (x) => servers["AB".indexOf(x.name)].proc.exitCode === null && servers["AB".indexOf(x.name)].proc.signalCode === null;
    await waitUntil(
      () => receivers.filter(alive).every((r) => senders.every((s, i) => !alive(s) || r.got[s.name].some((g) => g.seq === fenceFrom[i]))),
      5000,
      "the fence",
      { abortOnDeath: false },
    ).catch(() => {});

    const streams = [];
    for (const r of receivers) {
      for (const s of senders) {
        const got = r.got[s.name];
        const seqs = got.map((g) => g.seq);
        let orderViolations = 0;
        for (let i = 1; i < seqs.length; i++) if (seqs[i] <= seqs[i - 1]) orderViolations++;
        const have = new Set(seqs);
        const lost = [];
        for (let q = 1; q <= s.seq; q++) if (!have.has(q)) lost.push(q);
        const cross = r.name !== s.name;
        // The first message emitted after the restart that reached this receiver from the other server.
        const firstAfter = got.find((g) => s.sent[g.seq - 1] >= readyAt);
        // A message emitted shortly before the kill may still be on its way to Redis when it dies: 250 ms covers
        // that path (client → server → publish) on a loaded machine.
        const window = [killedAt - IN_FLIGHT_MS, firstAfter ? s.sent[firstAfter.seq - 1] : Infinity];
        const lostOutside = lost.filter((q) => s.sent[q - 1] < window[0] || s.sent[q - 1] > window[1]);
        // Emitted while Redis was down, yet delivered to the other server: a publish queued and replayed.
        const late = cross ? got.filter((g) => s.sent[g.seq - 1] >= killedAt && s.sent[g.seq - 1] < readyAt).length : 0;
        let lostRuns = 0;
        for (let i = 0; i < lost.length; i++) if (i === 0 || lost[i] !== lost[i - 1] + 1) lostRuns++;
        streams.push({
          receiver: `${servers["AB".indexOf(r.name)].impl}-${r.name}`,
          sender: `${servers["AB".indexOf(s.name)].impl}-${s.name}`,
          cross,
          sent: s.seq,
          received: seqs.length,
          orderViolations,
          lost: lost.length,
          lostRuns,
          lostOutside: lostOutside.length,
          late,
          lostSpanMs: lost.length ? s.sent[lost.at(-1) - 1] - s.sent[lost[0] - 1] : 0,
          recoveryMs: firstAfter ? firstAfter.t - readyAt : null,
        });
      }
    }
    const problems = [];
    const nodeDied = died.some((d) => d.startsWith("node"));
    for (const st of streams) {
      // When a Node server died (its publish rejected unhandled, see RESULTS.md), only streams between .NET
      // servers can still be judged.
      if (nodeDied && (st.sender.startsWith("node") || st.receiver.startsWith("node"))) continue;
      const label = `${st.sender}→${st.receiver}`;
      if (st.orderViolations) problems.push(`${label}: ${st.orderViolations} out of order or duplicated`);
      if (!st.cross && st.lost) problems.push(`${label}: local stream lost ${st.lost}`);
      if (st.lostOutside) problems.push(`${label}: ${st.lostOutside} lost outside the outage window`);
      if (st.cross && st.recoveryMs === null) problems.push(`${label}: never recovered`);
    }
    if (died.some((d) => d.startsWith("dotnet"))) problems.push(`server died: ${died.join(", ")}`);
    const disconnects = receivers.reduce((n, r) => n + r.disconnects, 0) + senders.reduce((n, s) => n + (s.disconnects ?? 0), 0);
    if (disconnects && !nodeDied) problems.push(`${disconnects} client disconnects`);
    const notes = nodeDied ? [`Node server died: ${died.join(", ")}`] : [];
    return {
      adapter,
      impls: impls.join("+"),
      outageMs: readyAt - killedAt,
      recovered,
      waitedForRecoveryMs: recoveredAt - readyAt,
      acked: senders.reduce((n, s) => n + s.acked, 0),
      ackFailed: senders.reduce((n, s) => n + s.ackFailed, 0),
      streams,
      problems,
      notes,
      logs: servers.map((s) => s.output()),
    };
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
    await redis.kill();
  }
}

function table(results) {
  const lines = [
    "| adapter | servers | stream | sent | received | lost (runs, emit span) | lost outside outage | replayed late | out of order | recovery after restart |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    for (const st of r.streams) {
      lines.push(
        `| ${r.adapter} | ${r.impls}${r.notes.length ? " ✝" : ""} | ${st.sender}→${st.receiver}${st.cross ? "" : " (local)"} | ${st.sent} | ${st.received} | ${st.lost}` +
          `${st.lost ? ` (${st.lostRuns}, ${st.lostSpanMs} ms)` : ""} | ${st.lostOutside} | ${st.late} | ${st.orderViolations} | ` +
          `${st.cross ? (st.recoveryMs === null ? "never" : `${st.recoveryMs} ms`) : "—"} |`,
      );
    }
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const opts = parseArgs(process.argv.slice(2));
  const runs = ALL.filter((c) => !opts.only || opts.only.includes(`${c.adapter}:${c.impls.join("+")}`));
  const results = [];
  let failed = false;
  for (const c of runs) {
    process.stderr.write(`${c.adapter} ${c.impls.join("+")}…\n`);
    const r = await faultRun({ ...c, ...opts });
    results.push(r);
    const strict = c.impls.includes("dotnet");
    for (const p of r.problems) process.stderr.write(`  ${strict ? "FAIL" : "note"}: ${p}\n`);
    for (const n of r.notes) process.stderr.write(`  note: ${n}\n`);
    if (strict && r.problems.length) failed = true;
    if (process.env.FAULT_LOGS === "1") for (const l of r.logs) process.stderr.write(`${l}\n`);
  }
  if (opts.json) console.log(JSON.stringify(results.map(({ logs, ...r }) => r), null, 2));
  console.log(`${new Date().toISOString()} rate ${opts.rate}/s per sender, outage ${opts.outage} s${opts.shieldNode ? ", Node senders paused around the kill" : ""}\n`);
  console.log(table(results));
  if (results.some((r) => r.notes.length)) console.log("\n✝ a Node server died during the run (its streams stop there)");
  process.exit(failed ? 1 : 0);
}
