#!/usr/bin/env node
// Reconnect avalanche: N default socket.io-client 4.8.4 clients (WebSocket only, default reconnection: 1 s delay,
// ×2 per attempt up to 5 s, ±50 % randomisation) connected to one interop server; the server is killed (SIGKILL,
// a crash) and started again on the same port; how many clients are back, and how fast, .NET vs Node.
//
//   node bench/reconnect-avalanche.mjs [--clients N] [--impls dotnet,node] [--window S] [--signal SIGKILL|SIGTERM] [--down S]
//
// --down S keeps the server down S seconds more after every client noticed (default 0: restarted at once), so that
// the clients' retries fail first and their back-off spreads them out (or not).
//
// "Back" = the client got its namespace CONNECT again (socket.io-client's `connect` event). Times are measured from
// the restarted server's "listening on" line (its start-up time is reported apart) and from the kill. N clients
// cost N descriptors in this process and N in the server; the box's limit is 20,000 per process (ulimit -n).
// Needs `dotnet build -c Release SocketIoNet.sln` for the .NET host.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { io as ioc } from "socket.io-client";
import { DOTNET_DLL, NODE_SERVER, freePort, withTimeout } from "../interop-tests/support/servers.mjs";

const opts = { clients: 5000, impls: ["dotnet", "node"], window: 60, signal: "SIGKILL", down: 0 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === "--clients") opts.clients = Number(process.argv[++i]);
  else if (a === "--impls") opts.impls = process.argv[++i].split(",");
  else if (a === "--window") opts.window = Number(process.argv[++i]);
  else if (a === "--signal") opts.signal = process.argv[++i];
  else if (a === "--down") opts.down = Number(process.argv[++i]);
  else throw new Error(`unknown option ${a}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the interop server on a fixed port (startServer always picks a fresh one); resolves once it listens. */
async function start(impl, port) {
  const [cmd, args] = impl === "dotnet" ? ["dotnet", [DOTNET_DLL]] : [process.execPath, [NODE_SERVER]];
  const env = { ...process.env, PORT: String(port), HOST: "127.0.0.1", SERVER_NAME: impl };
  delete env.NODE_TEST_CONTEXT;
  const t0 = Date.now();
  const proc = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const killIt = () => proc.kill("SIGKILL");
  process.on("exit", killIt);
  let out = "";
  proc.stdout.setEncoding("utf8");
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (d) => (out = (out + d).slice(-20_000)));
  await withTimeout(
    new Promise((resolve, reject) => {
      proc.stdout.on("data", (d) => {
        out = (out + d).slice(-20_000);
        if (/^listening on /m.test(out)) resolve();
      });
      proc.once("exit", (code) => reject(new Error(`${impl} exited (${code}):\n${out}`)));
    }),
    30_000,
    `${impl} to listen`,
  );
  const exited = new Promise((r) => proc.once("exit", r));
  return {
    proc,
    startupMs: Date.now() - t0,
    listeningAt: Date.now(),
    stop: async (signal = "SIGKILL") => {
      proc.kill(signal);
      const timer = setTimeout(killIt, 10_000);
      await exited;
      clearTimeout(timer);
      process.off("exit", killIt);
    },
  };
}

function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(stat[11]) + Number(stat[12])) * 10; // utime + stime, in 10 ms ticks (CLK_TCK 100)
  } catch {
    return NaN;
  }
}

/** TcpExt ListenOverflows + ListenDrops (machine-wide): connection attempts a full accept queue turned away. */
function listenDrops() {
  try {
    const lines = readFileSync("/proc/net/netstat", "utf8").split("\n").filter((l) => l.startsWith("TcpExt:"));
    const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
    return Number(values[names.indexOf("ListenDrops")]);
  } catch {
    return NaN;
  }
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null);

async function run(impl) {
  const port = await freePort();
  let server = await start(impl, port);
  const url = `http://127.0.0.1:${port}`;
  const clients = [];
  let connectErrors = 0;
  let backCount = 0;
  let restartAt = Infinity;
  const backTimes = [];
  const attemptLatencies = [];
  try {
    // Connect in waves of 250 so that the initial connect is not itself an avalanche.
    for (let i = 0; i < opts.clients; i += 250) {
      const wave = [];
      for (let j = i; j < Math.min(opts.clients, i + 250); j++) {
        const socket = ioc(url, { forceNew: true, transports: ["websocket"] });
        const c = { socket, back: false, attemptAt: 0 };
        clients.push(c);
        socket.on("connect_error", () => connectErrors++);
        // The client's own back-off decides when it tries again; from its last attempt to its CONNECT is what the
        // server (and the kernel's accept queue in front of it) adds.
        socket.io.on("reconnect_attempt", () => (c.attemptAt = Date.now()));
        socket.on("connect", () => {
          if (Date.now() >= restartAt && !c.back) {
            c.back = true;
            backCount++;
            backTimes.push(Date.now());
            attemptLatencies.push(Date.now() - c.attemptAt);
          }
        });
        wave.push(
          withTimeout(
            new Promise((r) => socket.once("connect", r)),
            30_000,
            `client ${j} to connect`,
          ),
        );
      }
      await Promise.all(wave);
    }
    connectErrors = 0;
    const disconnected = new Promise((resolve) => {
      let n = 0;
      for (const c of clients) c.socket.once("disconnect", () => ++n === clients.length && resolve());
    });
    const killedAt = Date.now();
    restartAt = killedAt;
    const drops0 = listenDrops();
    await server.stop(opts.signal);
    await withTimeout(disconnected, 30_000, "every client to notice").catch(() => {});
    const allNoticedMs = Date.now() - killedAt;
    await sleep(opts.down * 1000);
    server = await start(impl, port);
    const listeningAt = server.listeningAt;
    const cpu0 = cpuMs(server.proc.pid);
    const self0 = process.cpuUsage();
    // All clients share this one event loop: its delay is time every pending handshake waits on the client side.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const deadline = Date.now() + opts.window * 1000;
    while (backCount < clients.length && Date.now() < deadline) await sleep(50);
    const cpu1 = cpuMs(server.proc.pid);
    const self1 = process.cpuUsage(self0);
    loopDelay.disable();
    const drops = listenDrops() - drops0;
    const windowMs = Date.now() - listeningAt;
    const fromListening = backTimes.map((t) => t - listeningAt).sort((a, b) => a - b);
    return {
      impl,
      clients: clients.length,
      back: backCount,
      allNoticedMs,
      downMs: listeningAt - killedAt,
      startupMs: server.startupMs,
      p50: pct(fromListening, 50),
      p90: pct(fromListening, 90),
      p99: pct(fromListening, 99),
      last: fromListening.at(-1) ?? null,
      attempt: [50, 99].map((p) => pct([...attemptLatencies].sort((a, b) => a - b), p)),
      connectErrors,
      serverCpuMs: cpu1 - cpu0,
      drops,
      loopP99: Math.round(loopDelay.percentile(99) / 1e6),
      loopMax: Math.round(loopDelay.max / 1e6),
      // This process runs every client on one thread: near 100 % means the clients, not the server, set the pace.
      clientCpuPct: Math.round(((self1.user + self1.system) / 1000 / windowMs) * 100),
    };
  } finally {
    for (const c of clients) c.socket.disconnect();
    await server.stop("SIGKILL");
  }
}

const results = [];
for (const impl of opts.impls) {
  process.stderr.write(`${impl}: ${opts.clients} clients…\n`);
  results.push(await run(impl));
}
console.log(`${new Date().toISOString()} ${opts.clients} clients, server ${opts.signal}, restarted on the same port${opts.down ? ` ${opts.down} s after every client noticed` : " at once"}\n`);
console.log("| server | back / clients | down (kill → listening) | of which start-up | back after listening: p50 / p90 / p99 / last | successful attempt → connected p50 / p99 | connect_errors meanwhile | server CPU while they came back | client process CPU | client event-loop delay p99 / max | SYNs dropped (accept queue full) |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  console.log(
    `| ${r.impl} | ${r.back} / ${r.clients} | ${r.downMs} ms | ${r.startupMs} ms | ${r.p50} / ${r.p90} / ${r.p99} / ${r.last} ms | ${r.attempt[0]} / ${r.attempt[1]} ms | ${r.connectErrors} | ${r.serverCpuMs} ms | ${r.clientCpuPct} % | ${r.loopP99} / ${r.loopMax} ms | ${r.drops} |`,
  );
}
process.exit(results.every((r) => r.back === r.clients) ? 0 : 1);
