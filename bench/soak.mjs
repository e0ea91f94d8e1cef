#!/usr/bin/env node
// Soak and churn runs against the interop server (.NET and/or its Node twin), with exact accounting.
//
//   node bench/soak.mjs soak  [--impls dotnet,node] [--minutes M] [--clients N] [--rooms R] [--churners C]
//   node bench/soak.mjs churn [--impls dotnet,node] [--waves W] [--wave-clients N]
//
// soak (default 10 minutes, 100 clients in 10 rooms, 20 churners): every client runs a closed loop of `echo` acks
// (each ack checked: once, in order, the same payload); a publisher broadcasts numbered messages to the rooms
// (`bcast-all`) and every member checks it gets each number of its room exactly once and in order; churners connect,
// join a room, echo, and leave, over and over (their acks are checked too). Half the clients start on polling and
// upgrade, half are WebSocket only. The server's RSS and descriptors are sampled every 10 s; the trend is the slope
// of a least-squares line through the second half of the samples. Any missing, duplicated or reordered ack or
// delivery fails the run (exit code 1).
//
// churn (default 5 waves of 2,000 WebSocket clients): each wave connects every client, then disconnects them all
// and waits until the server reports no client; RSS and descriptors are then compared with the baseline taken after
// a first warm-up wave (so that lazily built caches and pools are not counted as growth).
//
// Needs `dotnet build -c Release SocketIoNet.sln` for the .NET host. Figures go to bench/RESULTS.md by hand.

import { readFileSync, readdirSync } from "node:fs";
import { io as ioc } from "socket.io-client";
import { startServer, withTimeout } from "../interop-tests/support/servers.mjs";

const mode = process.argv[2];
if (mode !== "soak" && mode !== "churn") {
  console.error("usage: node bench/soak.mjs soak|churn [options] (see the first comment)");
  process.exit(2);
}

const opts = { impls: ["dotnet", "node"], minutes: 10, clients: 100, rooms: 10, churners: 20, waves: 5, waveClients: 2000 };
for (let i = 3; i < process.argv.length; i++) {
  const a = process.argv[i];
  const next = () => process.argv[++i];
  if (a === "--impls") opts.impls = next().split(",");
  else if (a === "--minutes") opts.minutes = Number(next());
  else if (a === "--clients") opts.clients = Number(next());
  else if (a === "--rooms") opts.rooms = Number(next());
  else if (a === "--churners") opts.churners = Number(next());
  else if (a === "--waves") opts.waves = Number(next());
  else if (a === "--wave-clients") opts.waveClients = Number(next());
  else throw new Error(`unknown option ${a}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The server process's resident memory (bytes) and open descriptors, from /proc. */
function sample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  return { rss, fds };
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const mb = (bytes) => (bytes / 1048576).toFixed(1);

function connect(url, { websocketOnly, reconnection = false } = {}) {
  const socket = ioc(url, {
    transports: websocketOnly ? ["websocket"] : ["polling", "websocket"],
    reconnection,
    forceNew: true,
    timeout: 20_000,
  });
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", (e) => reject(new Error(`connect_error: ${e.message}`)));
    }),
    30_000,
    "a client to connect",
  );
}

/** A failure of the accounting: the run goes on (to report everything) but fails at the end. */
const failures = [];
function fail(message) {
  if (failures.length < 20) console.error(`  FAIL ${message}`);
  failures.push(message);
}

/** One client's closed loop of echo acks: each ack must carry the payload just sent (once, in order). */
function echoLoop(socket, name, state) {
  let seq = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped && socket.connected) {
      const payload = { c: name, seq };
      let ack;
      try {
        ack = await socket.timeout(20_000).emitWithAck("echo", payload);
      } catch (e) {
        if (!stopped && socket.connected) fail(`${name}: echo ${seq} got no ack (${e.message})`);
        return;
      }
      if (ack?.c !== name || ack?.seq !== seq) fail(`${name}: echo ${seq} acked with ${JSON.stringify(ack)}`);
      state.acks++;
      seq++;
    }
  })();
  return { stop: () => (stopped = true), done };
}

async function soak(impl) {
  const server = await startServer({ impl });
  const pid = server.proc.pid;
  const state = { acks: 0, deliveries: 0, published: 0, churnCycles: 0 };
  try {
    // Members: each joins one room and checks every number published to it, from its join on.
    const members = [];
    for (let i = 0; i < opts.clients; i++) {
      const socket = await connect(server.url, { websocketOnly: i % 2 === 1 });
      const room = `r${i % opts.rooms}`;
      await socket.emitWithAck("join", room);
      const member = { socket, room, name: `m${i}`, next: 0 }; // every member joins before the first broadcast
      socket.on("msg", (m) => {
        if (m?.room !== member.room) return fail(`${member.name}: a message of ${m?.room} in ${member.room}`);
        if (m.seq !== member.next) fail(`${member.name}: got ${m.room}#${m.seq}, expected #${member.next}`);
        member.next = m.seq + 1;
        state.deliveries++;
      });
      socket.on("disconnect", (reason) => {
        if (!state.ending) fail(`${member.name} disconnected: ${reason}`);
      });
      members.push(member);
    }

    const loops = members.map((m) => echoLoop(m.socket, m.name, state));
    const publisher = await connect(server.url, { websocketOnly: true });
    const seqs = new Map();
    let publishing = true;
    const publishDone = (async () => {
      let r = 0;
      while (publishing) {
        const room = `r${r++ % opts.rooms}`;
        const seq = seqs.get(room) ?? 0;
        seqs.set(room, seq + 1);
        await publisher.timeout(20_000).emitWithAck("bcast-all", room, { room, seq });
        state.published++;
        await sleep(5);
      }
    })();

    let churning = true;
    const churnDone = Promise.all(
      Array.from({ length: opts.churners }, async (_, k) => {
        while (churning) {
          const socket = await connect(server.url, { websocketOnly: k % 2 === 0 });
          await socket.emitWithAck("join", `r${k % opts.rooms}`);
          const loop = echoLoop(socket, `churner${k}`, state);
          await sleep(200 + (k % 7) * 50);
          loop.stop();
          await loop.done;
          socket.disconnect();
          state.churnCycles++;
        }
      }),
    );

    const samples = [];
    const t0 = Date.now();
    const end = t0 + opts.minutes * 60_000;
    const first = sample(pid);
    console.log(`${impl}: soak for ${opts.minutes} min: ${opts.clients} members in ${opts.rooms} rooms, ${opts.churners} churners; RSS ${mb(first.rss)} MB, ${first.fds} fds`);
    while (Date.now() < end) {
      await sleep(Math.min(10_000, end - Date.now()));
      const s = { t: (Date.now() - t0) / 60_000, ...sample(pid) };
      samples.push(s);
      console.log(`  ${s.t.toFixed(1)} min: RSS ${mb(s.rss)} MB, ${s.fds} fds, ${state.acks} acks, ${state.deliveries} deliveries, ${state.churnCycles} churn cycles`);
    }

    publishing = false;
    churning = false;
    await withTimeout(Promise.all([publishDone, churnDone]), 60_000, "the publisher and churners to stop");
    // Every member must have got its room's last number: wait for the tail of the broadcasts to arrive.
    await withTimeout(
      (async () => {
        while (!members.every((m) => m.next === (seqs.get(m.room) ?? 0))) await sleep(50);
      })(),
      30_000,
      "the last broadcasts to arrive",
    ).catch(() => {
      for (const m of members) {
        const expected = seqs.get(m.room) ?? 0;
        if (m.next !== expected) fail(`${m.name}: ended at ${m.room}#${m.next}, the last published was #${expected - 1}`);
      }
    });
    state.ending = true;
    for (const l of loops) l.stop();
    await Promise.all(loops.map((l) => l.done));
    for (const m of members) m.socket.disconnect();
    publisher.disconnect();

    const half = samples.slice(Math.floor(samples.length / 2));
    const trend = slope(half.map((s) => ({ x: s.t, y: s.rss })));
    const last = samples.at(-1) ?? first;
    const maxRss = Math.max(...samples.map((s) => s.rss));
    console.log(
      `${impl}: ${state.acks} acks, ${state.deliveries} deliveries of ${state.published} broadcasts, ${state.churnCycles} churn cycles; ` +
        `RSS ${mb(first.rss)} → ${mb(last.rss)} MB (max ${mb(maxRss)}), second-half trend ${(trend / 1048576).toFixed(2)} MB/min; ` +
        `fds ${first.fds} → ${last.fds}; ${failures.length} accounting failures`,
    );
    return { impl, ...state, firstRss: first.rss, lastRss: last.rss, maxRss, trendBytesPerMin: trend, failures: failures.length };
  } finally {
    await server.stop();
  }
}

async function clientsOf(url) {
  const probe = await connect(url, { websocketOnly: true });
  const stats = await probe.timeout(10_000).emitWithAck("stats");
  probe.disconnect();
  return stats.clients - 1; // the probe itself
}

async function churn(impl) {
  const server = await startServer({ impl });
  const pid = server.proc.pid;
  try {
    const wave = async (n) => {
      const sockets = [];
      for (let i = 0; i < n; i += 200) {
        sockets.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => connect(server.url, { websocketOnly: true })))));
      }
      const peak = sample(pid);
      for (const s of sockets) s.disconnect();
      await withTimeout(
        (async () => {
          while ((await clientsOf(server.url)) !== 0) await sleep(100);
        })(),
        60_000,
        "the server to let every client go",
      );
      // Sample once the server is quiet: closed descriptors and released buffers take a moment to show in /proc, and
      // the .NET host's memory release (AddMemoryRelease) waits for the session count to settle over two 2-second looks.
      await sleep(6000);
      return { peak, after: sample(pid) };
    };

    await wave(opts.waveClients); // warm-up
    const baseline = sample(pid);
    console.log(`${impl}: churn, ${opts.waves} waves of ${opts.waveClients}; baseline after a warm-up wave: RSS ${mb(baseline.rss)} MB, ${baseline.fds} fds`);
    const rows = [];
    for (let w = 1; w <= opts.waves; w++) {
      const { peak, after } = await wave(opts.waveClients);
      rows.push({ wave: w, peak, after });
      console.log(`  wave ${w}: peak RSS ${mb(peak.rss)} MB / ${peak.fds} fds; after RSS ${mb(after.rss)} MB / ${after.fds} fds`);
      if (after.fds > baseline.fds + 2) fail(`${impl}: wave ${w} left ${after.fds - baseline.fds} descriptors open`);
    }
    const last = rows.at(-1).after;
    console.log(`${impl}: RSS after the last wave ${mb(last.rss)} MB vs baseline ${mb(baseline.rss)} MB (${(((last.rss - baseline.rss) / baseline.rss) * 100).toFixed(1)} %), fds ${last.fds} vs ${baseline.fds}`);
    return { impl, baseline, rows };
  } finally {
    await server.stop();
  }
}

for (const impl of opts.impls) {
  await (mode === "soak" ? soak(impl) : churn(impl));
}
if (failures.length > 0) {
  console.error(`${failures.length} accounting failures`);
  process.exit(1);
}
process.exit(0);
