#!/usr/bin/env node
// Side-by-side benchmark: the Release .NET interop server vs its Node twin (socket.io 4.8.4) vs a null server,
// under identical load from bench/LoadGen (raw protocol, C#, epoll). See bench/README.md.
//
//   node bench/run.mjs [--smoke] [--runs N] [--only a,b] [--impls dotnet-default,dotnet,node,node-uws,null] [--gen cs|js|both] [--warmup S] [--duration S] [--dotnet-env K=V] [--verbose] [--list]
//
// Builds nothing: run `dotnet build -c Release SocketIoNet.sln` first.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, appendFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { contextSwitches } from "./jsload/proc.mjs";

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, "..");
const BIN = (project, name) => path.join(BENCH, project, "bin/Release/net10.0", name);
const PATHS = {
  dotnet: path.join(ROOT, "interop-tests/server/bin/Release/net10.0/SocketIo.InteropServer.dll"),
  node: path.join(ROOT, "interop-tests/node-server.mjs"),
  "node-uws": path.join(BENCH, "uws-server.mjs"),
  jsload: path.join(BENCH, "jsload/main.mjs"),
  null: BIN("NullServer", "SocketIo.Bench.NullServer.dll"),
  loadgen: BIN("LoadGen", "SocketIo.Bench.LoadGen.dll"),
};
// `dotnet-default` is the .NET server as the README's quick start runs it (no runtime variables); `dotnet` is the tuned
// run (DOTNET_RUNTIME_ENV below). `node-uws` is socket.io 4.8.4 on uWebSockets.js (bench/uws-server.mjs).
const LABEL = { "dotnet-default": ".NET default", dotnet: ".NET tuned", node: "Node", "node-uws": "Node uWS", null: "null" };
// The ratios the table shows, numerator / denominator of the same run number; the first is the headline.
const PAIRS = [["dotnet-default", "node"], ["dotnet", "node"], ["dotnet-default", "node-uws"]];
const GEN_LABEL = { cs: "LoadGen (C#)", js: "jsload (JS)" };
// What bench/jsload implements; the rest (paced, Redis senders, slow readers, 100k idle) is LoadGen's alone.
const JS_SCENARIOS = new Set(["echo", "binary", "poll", "storm", "fanout"]);

// ---------------------------------------------------------------------------------------------
// Scenarios. `lg` = load generator arguments; `smoke` overrides them for --smoke.
// metrics: [key, label, "higher" | "lower" (which is better), scale?]
// ---------------------------------------------------------------------------------------------

const ECHO_METRICS = [
  ["acksPerSec", "acks/s", "higher"],
  ["latencyP50Us", "latency p50 µs", "lower"],
  ["latencyP99Us", "latency p99 µs", "lower"],
  ["latencyP999Us", "latency p99.9 µs", "lower"],
  ["serverCpuUsPerAck", "server CPU µs/ack", "lower"],
  ["serverCpuPct", "server CPU %", null],
  // jsload only: context switches of all server threads per ack (fewer = more acks handled per wake-up).
  ["serverSwitchesPerAck", "server ctx switches/ack", "lower"],
  ["genCpuPct", "loadgen CPU %", null],
];
const STORM_METRICS = [
  ["handshakesPerSec", "handshakes/s", "higher"],
  ["serverCpuUsPerConn", "server CPU µs/conn", "lower"],
  ["rssPerConnKb", "RSS KB/conn", "lower"],
  ["handshakeP99Us", "handshake p99 µs", "lower"],
  ["rssOpenKb", "RSS open KB", "lower"],
  ["rssAfterCloseDeltaKb", "RSS after close − baseline KB", "lower"],
  ["genCpuPct", "loadgen CPU %", null],
];
const FANOUT_METRICS = [
  ["deliveriesPerSec", "deliveries/s", "higher"],
  ["lastDeliveryP50Ms", "burst → last delivery p50 ms", "lower"],
  ["lastDeliveryMaxMs", "burst → last delivery max ms", "lower"],
  ["serverCpuUsPerDelivery", "server CPU µs/delivery", "lower"],
  ["genCpuPct", "loadgen CPU %", null],
];
// The slow-reader pair: the same bursts of 16 KiB messages to a room of 1000 readers, with and without 10 more members
// that join and then never read. Node holds everything sent to those ten; .NET closes them at its outbound limit.
const SLOW_METRICS = [
  ["deliveriesPerSec", "deliveries/s (readers)", "higher"],
  ["lastDeliveryP50Ms", "burst → last delivery p50 ms", "lower"],
  ["lastDeliveryP99Ms", "burst → last delivery p99 ms", "lower"],
  ["serverCpuUsPerDelivery", "server CPU µs/delivery", "lower"],
  ["rssEndKb", "server RSS at end KB", "lower"],
  ["rssGrowthKb", "server RSS growth KB", "lower"],
  ["serverClientsAtEnd", "sessions open at end", null],
  ["genCpuPct", "loadgen CPU %", null],
];
const SLOW_LG = { scenario: "fanout", room: 1000, burst: 10, "payload-size": 16384, warmup: 3, duration: 20 };
const SMOKE_ECHO = { clients: 20, total: 200 };
const TIMED = new Set(["echo", "binary", "poll", "fanout", "paced"]);

const SCENARIOS = [
  {
    name: "storm5k",
    what: "connection storm: 5000 WebSocket handshakes (EIO open + CONNECT), 200 in flight",
    lg: { scenario: "storm", conns: 5000, concurrency: 200, "warmup-conns": 500, "warmup-rounds": 8 },
    smoke: { conns: 20, "warmup-conns": 0, "baseline-settle": 0.2, settle: 0.5 },
    metrics: STORM_METRICS,
  },
  {
    name: "storm10k",
    what: "connection storm: 10000 WebSocket handshakes, 200 in flight",
    lg: { scenario: "storm", conns: 10000, concurrency: 200, "warmup-conns": 500, "warmup-rounds": 8 },
    smoke: { conns: 20, "warmup-conns": 0, "baseline-settle": 0.2, settle: 0.5 },
    metrics: STORM_METRICS,
  },
  {
    name: "storm5k-recovery",
    what: "storm5k with connection state recovery on: the 5000 closed connections are kept as sessions for the window (RSS after close − baseline)",
    env: { STATE_RECOVERY: 120000 },
    lg: { scenario: "storm", conns: 5000, concurrency: 200, "warmup-conns": 500, "warmup-rounds": 8 },
    smoke: { conns: 20, "warmup-conns": 0, "baseline-settle": 0.2, settle: 0.5 },
    metrics: STORM_METRICS,
  },
  {
    name: "echo100",
    what: "closed-loop echo with ack, 100 WebSocket clients, 1 in flight each, 16-char string",
    lg: { scenario: "echo", clients: 100, size: 16 },
    smoke: SMOKE_ECHO,
    smokeFull: true,
    metrics: ECHO_METRICS,
  },
  {
    name: "echo100-64",
    what: "echo100 with a 64-character string (the issue's independent measurement used 64 bytes)",
    lg: { scenario: "echo", clients: 100, size: 64 },
    smoke: SMOKE_ECHO,
    skipSmoke: true,
    metrics: ECHO_METRICS,
  },
  {
    name: "warm-echo100",
    what: "echo100 from a cold server, no warm-up, 20 s: seconds until the rate (↑) and CPU per ack (↓) are within 10 % of their plateau (jsload's per-second series)",
    lg: { scenario: "echo", clients: 100, size: 16, warmup: 0, duration: 20 },
    smoke: SMOKE_ECHO,
    gens: ["js"],
    skipSmoke: true,
    metrics: [
      ["steadyRateS", "s to steady rate", "lower"],
      ["steadyCpuS", "s to steady CPU/ack", "lower"],
      ["acksPerSec", "acks/s (20 s)", "higher"],
      ["serverCpuUsPerAck", "server CPU µs/ack (20 s)", "lower"],
      ["genCpuPct", "loadgen CPU %", null],
    ],
  },
  {
    name: "sweep-json10",
    what: "payload sweep: echo100 of a 10-field JSON object (strings, numbers, bool, null, array, nested object)",
    lg: { scenario: "echo", clients: 100, payload: "json" },
    smoke: SMOKE_ECHO,
    skipSmoke: true,
    gens: ["js"],
    metrics: ECHO_METRICS,
  },
  {
    name: "sweep-str1k",
    what: "payload sweep: echo100 of a 1 KiB string",
    lg: { scenario: "echo", clients: 100, size: 1024 },
    smoke: SMOKE_ECHO,
    skipSmoke: true,
    metrics: ECHO_METRICS,
  },
  {
    name: "sweep-str64k",
    what: "payload sweep: echo100 of a 64 KiB string",
    lg: { scenario: "echo", clients: 100, size: 65536 },
    smoke: SMOKE_ECHO,
    skipSmoke: true,
    metrics: ECHO_METRICS,
  },
  {
    name: "sweep-bin64k",
    what: "payload sweep: echo100 of a 64 KiB binary attachment",
    lg: { scenario: "binary", clients: 100, size: 65536 },
    smoke: SMOKE_ECHO,
    skipSmoke: true,
    metrics: ECHO_METRICS,
  },
  {
    name: "echo1000",
    what: "closed-loop echo with ack, 1000 WebSocket clients, 1 in flight each",
    lg: { scenario: "echo", clients: 1000, size: 16 },
    smoke: SMOKE_ECHO,
    metrics: ECHO_METRICS,
  },
  {
    name: "echo100x16",
    what: "echo with ack, 100 WebSocket clients × 16 in flight",
    lg: { scenario: "echo", clients: 100, inflight: 16, size: 16 },
    smoke: { clients: 20, inflight: 4, total: 200 },
    metrics: ECHO_METRICS,
  },
  {
    name: "binary1k",
    what: "echo with ack of a 1 KiB binary attachment (451-/461- + binary frame), 100 clients",
    lg: { scenario: "binary", clients: 100, size: 1024 },
    smoke: SMOKE_ECHO,
    metrics: ECHO_METRICS,
  },
  {
    name: "poll100",
    what: "echo with ack over HTTP long-polling (keep-alive GET + POST connections), 100 clients",
    lg: { scenario: "poll", clients: 100, size: 16 },
    smoke: SMOKE_ECHO,
    smokeFull: true,
    metrics: ECHO_METRICS,
  },
  {
    name: "fanout1000",
    what: "bcast-all bursts (10 messages) to a room of 1000 WebSocket clients",
    lg: { scenario: "fanout", room: 1000, burst: 10 },
    smoke: { room: 20, burst: 2, bursts: 3 },
    metrics: FANOUT_METRICS,
  },
  {
    name: "echo100-typed",
    what: "echo100 with echo as a handled contract on .NET (TYPED_ECHO=1: socket.Handle<IEchoEvents>, generated code); Node runs its plain echo",
    env: { TYPED_ECHO: "1" },
    lg: { scenario: "echo", clients: 100, size: 16 },
    smoke: SMOKE_ECHO,
    metrics: ECHO_METRICS,
  },
  {
    name: "echo100-admin",
    what: "echo100 with the admin UI on (ADMIN_UI=1: development mode, no dashboard connected), what instrumenting costs",
    env: { ADMIN_UI: "1" },
    lg: { scenario: "echo", clients: 100, size: 16 },
    smoke: SMOKE_ECHO,
    skipSmoke: true,
    metrics: ECHO_METRICS,
  },
  {
    name: "fanout1000-admin",
    what: "fanout1000 with the admin UI on (ADMIN_UI=1: development mode, no dashboard connected)",
    env: { ADMIN_UI: "1" },
    lg: { scenario: "fanout", room: 1000, burst: 10 },
    smoke: { room: 20, burst: 2, bursts: 3 },
    skipSmoke: true,
    metrics: FANOUT_METRICS,
  },
  {
    name: "fanout10000",
    what: "bcast-all bursts (10 messages) to a room of 10000 WebSocket clients",
    lg: { scenario: "fanout", room: 10000, burst: 10 },
    smoke: { room: 20, burst: 2, bursts: 3 },
    metrics: FANOUT_METRICS,
  },
  {
    name: "slow1000-base",
    what: "bcast-all bursts of 16 KiB messages to a room of 1000 WebSocket readers (the baseline of slow1000)",
    lg: { ...SLOW_LG },
    smoke: { room: 20, burst: 2, bursts: 3 },
    metrics: SLOW_METRICS,
  },
  {
    name: "slow1000",
    what: "the same with 10 more members that join, then never read (4 KB receive buffers): the readers' rate, and the server's memory",
    lg: { ...SLOW_LG, slow: 10 },
    smoke: { room: 20, burst: 2, bursts: 3, slow: 2 },
    metrics: SLOW_METRICS,
  },
  {
    name: "paced1000",
    what: "paced fan-out: 20 bcast-all/s to a room of 1000 (20k deliveries/s), latency per delivery",
    lg: { scenario: "paced", room: 1000, rate: 20, duration: 10 },
    smoke: { room: 20, messages: 10, rate: 100 },
    metrics: [
      ["latencyP50Us", "delivery latency p50 µs", "lower"],
      ["latencyP99Us", "delivery latency p99 µs", "lower"],
      ["latencyP999Us", "delivery latency p99.9 µs", "lower"],
      ["serverCpuUsPerDelivery", "server CPU µs/delivery", "lower"],
      ["serverCpuPct", "server CPU %", "lower"],
    ],
  },
  {
    name: "redis1000",
    what: "cross-node bcast-all through Redis, room of 1000 on the receiving server; .NET = .NET→.NET, Node = Node→Node",
    redis: { dotnet: ["dotnet", "dotnet"], node: ["node", "node"] },
    lg: { scenario: "fanout", room: 1000, burst: 10 },
    smoke: { room: 20, burst: 2, bursts: 3 },
    metrics: [
      ...FANOUT_METRICS.slice(0, 4),
      ["server2CpuUsPerDelivery", "sender server CPU µs/delivery", "lower"],
      ["genCpuPct", "loadgen CPU %", null],
    ],
  },
  {
    name: "redis1000-n2d",
    what: "cross-node bcast-all through Redis, Node sender; .NET = Node→.NET, Node = Node→Node",
    redis: { dotnet: ["node", "dotnet"], node: ["node", "node"] },
    lg: { scenario: "fanout", room: 1000, burst: 10 },
    smoke: { room: 20, burst: 2, bursts: 3 },
    metrics: FANOUT_METRICS.slice(0, 4),
  },
  {
    name: "streams1000",
    what: "cross-node bcast-all through the Redis streams adapter (0.3.1 format), room of 1000; .NET = .NET→.NET, Node = Node→Node",
    redis: { dotnet: ["dotnet", "dotnet"], node: ["node", "node"] },
    redisEnv: { REDIS_ADAPTER: "streams" },
    lg: { scenario: "fanout", room: 1000, burst: 10 },
    smoke: { room: 20, burst: 2, bursts: 3 },
    metrics: [
      ...FANOUT_METRICS.slice(0, 4),
      ["server2CpuUsPerDelivery", "sender server CPU µs/delivery", "lower"],
      ["genCpuPct", "loadgen CPU %", null],
    ],
  },
  {
    name: "streams1000-n2d",
    what: "the same with a Node sender; .NET = Node→.NET, Node = Node→Node",
    redis: { dotnet: ["node", "dotnet"], node: ["node", "node"] },
    redisEnv: { REDIS_ADAPTER: "streams" },
    lg: { scenario: "fanout", room: 1000, burst: 10 },
    smoke: { room: 20, burst: 2, bursts: 3 },
    metrics: FANOUT_METRICS.slice(0, 4),
  },
  {
    name: "echo100-recovery",
    what: "echo100 with connection state recovery on (STATE_RECOVERY=120000): acks carry no offset, the cost is the session bookkeeping",
    env: { STATE_RECOVERY: 120000 },
    lg: { scenario: "echo", clients: 100, size: 16 },
    smoke: SMOKE_ECHO,
    metrics: ECHO_METRICS,
  },
  {
    name: "fanout1000-recovery",
    what: "fanout1000 with connection state recovery on: every broadcast gets an offset and is kept for the window",
    env: { STATE_RECOVERY: 120000 },
    lg: { scenario: "fanout", room: 1000, burst: 10 },
    smoke: { room: 20, burst: 2, bursts: 3 },
    metrics: FANOUT_METRICS,
  },
  {
    name: "idle100k",
    what: "100k concurrent idle WebSocket connections (capped by the file limit), held 5 s, then closed",
    lg: { scenario: "storm", conns: 100000, concurrency: 500, hold: 5, "allow-partial": true, sources: 8, "connect-deadline": 240 },
    smoke: { conns: 50, hold: 0.5, "warmup-conns": 0, "baseline-settle": 0.2, settle: 0.5 },
    idle: true,
    metrics: [
      ["connected", "connections reached", "higher"],
      ["rssPerConnKb", "RSS KB/conn", "lower"],
      ["rssOpenKb", "RSS with all open KB", "lower"],
      ["rssAfterHoldKb", "RSS after hold KB", "lower"],
      ["rssAfterCloseDeltaKb", "RSS after close − baseline KB", "lower"],
      ["handshakesPerSec", "handshakes/s", "higher"],
      ["serverCpuUsPerConn", "server CPU µs/conn", "lower"],
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

/**
 * Runtime settings of the .NET server process (README "Deployment tuning"; `--dotnet-env` overrides them):
 * - Socket completions run inline on the epoll thread, and Kestrel (which reads the same variable for its
 *   UnsafePreferInlineScheduling) runs its pipe continuations there too: no thread hop per read and write, the
 *   way Node runs everything on its one loop. The null server runs with it as well.
 * - Tiering starts counting calls at once: by default the runtime waits until 100 ms pass without a new
 *   tier-0 method (times 10 on a process limited to one CPU, as `taskset -c 0` does), which a busy server
 *   keeps restarting, so it ran tier-0 and instrumented code for tens of seconds.
 */
const DOTNET_RUNTIME_ENV = {
  DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS: "1",
  DOTNET_TC_CallCountingDelayMs: "0",
};

function parseArgs(argv) {
  const o = { smoke: false, runs: undefined, only: undefined, impls: undefined, gens: ["cs", "js"], verbose: false, list: false, warmup: undefined, duration: undefined, dotnetEnv: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case "--smoke": o.smoke = true; break;
      case "--runs": o.runs = Number(next()); break;
      case "--only": o.only = next().split(",").map((s) => s.trim()).filter(Boolean); break;
      case "--impls": o.impls = next().split(",").map((s) => s.trim()).filter(Boolean); break;
      case "--gen": {
        const g = next();
        o.gens = g === "both" ? ["cs", "js"] : [g];
        if (!o.gens.every((x) => GEN_LABEL[x])) usage("--gen takes cs, js or both");
        break;
      }
      case "--verbose": case "-v": o.verbose = true; break;
      case "--warmup": o.warmup = Number(next()); break;
      case "--duration": o.duration = Number(next()); break;
      case "--list": o.list = true; break;
      case "--dotnet-env": {
        // K=V for the .NET server process only (runtime knobs to compare, e.g. DOTNET_gcServer=0).
        const kv = next();
        const eq = kv.indexOf("=");
        if (eq < 1) usage("--dotnet-env takes NAME=VALUE");
        o.dotnetEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case "--help": case "-h": usage(); break;
      default: usage(`unknown option ${a}`);
    }
  }
  o.runs ??= o.smoke ? 1 : 3;
  // The smoke pass checks that every server and generator still runs; the untuned .NET run is the same code.
  o.impls ??= o.smoke ? ["dotnet", "node", "node-uws", "null"] : ["dotnet-default", "dotnet", "node", "node-uws", "null"];
  if (!Number.isInteger(o.runs) || o.runs < 1) usage("--runs must be a positive integer");
  for (const k of ["warmup", "duration"]) if (o[k] !== undefined && !(o[k] >= 0)) usage(`--${k} must be a number of seconds`);
  for (const impl of o.impls) if (!LABEL[impl]) usage(`unknown implementation ${impl}`);
  return o;
}

function usage(error) {
  const text = `usage: node bench/run.mjs [--smoke] [--runs N] [--only ${SCENARIOS.map((s) => s.name).join(",")}]
                         [--impls dotnet-default,dotnet,node,node-uws,null] [--gen cs|js|both] [--warmup S] [--duration S] [--dotnet-env K=V] [--verbose] [--list]`;
  if (error) {
    console.error(`${error}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Machine facts
// ---------------------------------------------------------------------------------------------

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function machine() {
  const cpus = os.cpus();
  // BENCH_PIN=0 disables pinning (e.g. to check that the smoke pass works without taskset).
  const tasksetOk = process.env.BENCH_PIN !== "0" && sh("taskset", ["-c", "0", "true"]) !== undefined && os.availableParallelism() >= 2;
  const clkTck = Number(sh("getconf", ["CLK_TCK"]) || 100);
  const hardNofile = Number(sh("sh", ["-c", "ulimit -Hn"])) || 1024;
  const wantNofile = 262144;
  const prlimitOk = sh("prlimit", [`--nofile=${wantNofile}:${wantNofile}`, "true"]) !== undefined;
  return {
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model ?? "unknown",
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    dotnet: sh("dotnet", ["--version"]) ?? "unknown",
    taskset: tasksetOk,
    clkTck,
    nofile: prlimitOk ? wantNofile : hardNofile,
    prlimit: prlimitOk,
  };
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

const children = new Set();
let watchdog;

// One detached watchdog for the whole run: when this process dies (even SIGKILL), it kills every
// server still registered, so that no benchmark server is left behind.
function startWatchdog() {
  const script = `
    const pids = new Set();
    let buf = "";
    const killAll = () => { for (const p of pids) { try { process.kill(p, "SIGKILL"); } catch {} } process.exit(0); };
    process.stdin.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\\n")) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        const pid = Number(line.slice(1));
        if (line[0] === "+") pids.add(pid); else pids.delete(pid);
      }
    });
    process.stdin.on("end", killAll); process.stdin.on("close", killAll); process.stdin.on("error", killAll);`;
  try {
    watchdog = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "ignore", "ignore"], detached: true });
    watchdog.on("error", () => {});
    watchdog.stdin.on("error", () => {});
    watchdog.unref();
  } catch {
    watchdog = undefined;
  }
}

function track(child) {
  children.add(child);
  watchdog?.stdin.write(`+${child.pid}\n`);
  child.once("exit", () => {
    children.delete(child);
    watchdog?.stdin.write(`-${child.pid}\n`);
  });
}

function killChildren() {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {
      /* gone */
    }
  }
}
process.on("exit", killChildren);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(sig, () => {
    killChildren();
    process.exit(130);
  });
}

/** Prefix: pin to `core` (when taskset works) and raise the file limit (when prlimit may). */
function launcher(m, core, cmd, args) {
  let full = [cmd, ...args];
  if (m.taskset && core !== undefined) full = ["taskset", "-c", String(core), ...full];
  if (m.prlimit) full = ["prlimit", `--nofile=${m.nofile}:${m.nofile}`, ...full];
  return full;
}

const LISTENING = /^listening on http:\/\/(\S+):(\d+)\r?\n/m;

function tail(text, max = 4000) {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

async function startServer(m, impl, { core = 0, env = {} } = {}) {
  const cmdline = {
    dotnet: ["dotnet", [PATHS.dotnet]],
    "dotnet-default": ["dotnet", [PATHS.dotnet]],
    node: [process.execPath, [PATHS.node]],
    "node-uws": [process.execPath, [PATHS["node-uws"]]],
    null: ["dotnet", [PATHS.null]],
  }[impl];
  const full = launcher(m, core, cmdline[0], cmdline[1]);
  const childEnv = { ...process.env, ...env, PORT: "0", HOST: "127.0.0.1" };
  delete childEnv.NODE_TEST_CONTEXT;
  if (impl === "null") childEnv.DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS = "1";
  // `--dotnet-env NAME=` (empty value) leaves NAME unset: the runtime's default.
  const applyEnv = (vars) => {
    for (const [k, v] of Object.entries(vars)) if (v === "") delete childEnv[k]; else childEnv[k] = v;
  };
  if (impl === "dotnet") applyEnv(m.dotnetEnv);
  if (impl === "dotnet-default") applyEnv(m.userDotnetEnv);
  const proc = spawn(full[0], full.slice(1), { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  track(proc);
  let out = "";
  let err = "";
  proc.stdout.setEncoding("utf8");
  proc.stderr.setEncoding("utf8");
  proc.stdout.on("data", (d) => (out = tail(out + d, 64 * 1024)));
  proc.stderr.on("data", (d) => (err = tail(err + d, 64 * 1024)));
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${impl} server: no "listening on" line within 30 s`)), 30_000);
    const onData = () => {
      const mm = LISTENING.exec(out);
      if (mm) done(null, Number(mm[2]));
    };
    const onExit = (code, signal) => done(new Error(`${impl} server exited before it was ready (code ${code}, signal ${signal})`));
    function done(e, p) {
      clearTimeout(timer);
      proc.stdout.off("data", onData);
      proc.off("exit", onExit);
      if (e) {
        proc.kill("SIGKILL");
        e.message += `\n${tail(err)}`;
        reject(e);
      } else resolve(p);
    }
    proc.stdout.on("data", onData);
    proc.once("exit", onExit);
  });
  let stopping;
  return {
    impl,
    port,
    pid: proc.pid,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    output: () => `--- ${impl} stdout ---\n${tail(out)}\n--- ${impl} stderr ---\n${tail(err)}`,
    stop: () =>
      (stopping ??= (async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) return exited;
        proc.kill("SIGTERM");
        const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
        const r = await exited;
        clearTimeout(t);
        return r;
      })()),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A private redis-server (no persistence) on a free port, pinned with the load generator. */
async function startRedis(m) {
  if (!sh("sh", ["-c", "command -v redis-server"])) return { skip: "redis-server not found on PATH" };
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const full = launcher(m, 1, "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    const proc = spawn(full[0], full.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    track(proc);
    let out = "";
    for (const s of [proc.stdout, proc.stderr]) {
      s.setEncoding("utf8");
      s.on("data", (d) => (out = tail(out + d, 16 * 1024)));
    }
    const ready = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      const check = () => {
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      proc.stdout.on("data", check);
      proc.stderr.on("data", check);
      proc.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready) {
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: async () => {
          if (proc.exitCode !== null) return;
          proc.kill("SIGTERM");
          await new Promise((r) => proc.once("exit", r));
        },
      };
    }
    proc.kill("SIGKILL");
    if (attempt === 3) throw new Error(`redis-server did not start:\n${out}`);
  }
}

/** Runs a load generator (`cs` = LoadGen, `js` = jsload) pinned to core 1; resolves with its JSON result (or a failure record). */
function runLoadGen(m, gen, args, timeoutS, verbose, probe) {
  const [cmd, entry] = gen === "js" ? [process.execPath, PATHS.jsload] : ["dotnet", PATHS.loadgen];
  const full = launcher(m, 1, cmd, [entry, ...args, "--clk-tck", String(m.clkTck), "--timeout", String(timeoutS)]);
  return new Promise((resolve) => {
    const proc = spawn(full[0], full.slice(1), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    track(proc);
    let out = "";
    let err = "";
    proc.stdout.setEncoding("utf8");
    proc.stderr.setEncoding("utf8");
    proc.stdout.on("data", (d) => (out += d));
    // LoadGen reports no context switches: read the server's around its window, which opens `warmup` s after its
    // "… clients connected" line and lasts `duration` s (to a few ms).
    const switches = [];
    const timers = [];
    proc.stderr.on("data", (d) => {
      err = tail(err + d, 32 * 1024);
      if (verbose) process.stderr.write(d);
      if (probe && timers.length === 0 && /clients connected/.test(err)) {
        const take = () => {
          try {
            switches.push(contextSwitches(probe.pid));
          } catch {
            /* server gone */
          }
        };
        timers.push(setTimeout(take, probe.warmup * 1000), setTimeout(take, (probe.warmup + probe.duration) * 1000));
      }
    });
    const killer = setTimeout(() => proc.kill("SIGKILL"), (timeoutS + 30) * 1000);
    proc.once("exit", (code, signal) => {
      clearTimeout(killer);
      for (const t of timers) clearTimeout(t);
      const line = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      let result;
      try {
        result = line ? JSON.parse(line) : undefined;
      } catch {
        result = undefined;
      }
      if (!result) {
        result = { ok: false, errors: 1, firstError: `load generator failed (code ${code}, signal ${signal}) without a result`, metrics: {} };
      }
      if (code !== 0 && result.ok) {
        result.ok = false;
        result.firstError = `load generator exit code ${code}`;
      }
      result.stderr = result.ok ? undefined : tail(err, 3000);
      if (switches.length === 2 && result.metrics?.acks > 0) {
        result.metrics.serverSwitchesPerAck = Math.round(((switches[1] - switches[0]) / result.metrics.acks) * 1000) / 1000;
      }
      resolve(result);
    });
  });
}

function toArgs(obj) {
  const out = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v === false || v === undefined) continue;
    out.push(`--${k}`);
    if (v !== true) out.push(String(v));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One measurement: fresh server(s), one load generator run, servers stopped.
// ---------------------------------------------------------------------------------------------

/** The generators that serve `scenario`: its own list, or both when jsload implements it. */
function gensFor(scenario, opts) {
  const lg = scenario.lg;
  const jsOk = JS_SCENARIOS.has(lg.scenario) && !scenario.redis && !scenario.idle && !lg.slow && !lg["payload-size"];
  const all = scenario.gens ?? (jsOk ? ["cs", "js"] : ["cs"]);
  // The smoke pass runs jsload only where the scenario says so (`smokeFull`): it is there to keep working, not to measure.
  const wanted = opts.smoke && !scenario.smokeFull ? ["cs"] : all;
  return wanted.filter((g) => all.includes(g) && opts.gens.includes(g));
}

/** The servers of a Redis scenario for `impl`: [sender, receiver], or undefined when it has none. */
function redisPair(scenario, impl) {
  if (impl === "dotnet-default") return scenario.redis.dotnet?.map((i) => (i === "dotnet" ? "dotnet-default" : i));
  // Node on uWebSockets.js: the Node pair with every Node server on uWS.
  if (impl === "node-uws") return scenario.redis.node?.map((i) => (i === "node" ? "node-uws" : i));
  return scenario.redis[impl];
}

async function measure(m, opts, scenario, impl, run, redis, gen) {
  const lg = { ...scenario.lg, ...(opts.smoke ? scenario.smoke : {}) };
  // Time-based windows (echo, binary, poll, fan-out, paced) take the --warmup / --duration overrides.
  if (!opts.smoke && TIMED.has(lg.scenario)) {
    if (opts.warmup !== undefined) lg.warmup = opts.warmup;
    if (opts.duration !== undefined) lg.duration = opts.duration;
  }
  const record = { type: "run", scenario: scenario.name, gen, impl, run, smoke: opts.smoke, started: new Date().toISOString() };
  const servers = [];
  try {
    if (scenario.idle) {
      // Both the server and the generator hold one descriptor per connection. AddSocketIo keeps Kestrel's upgraded
      // connections within three quarters of the descriptor budget (limit − ~200 open − max(128, limit/16)) so that
      // EMFILE cannot crash the runtime; ask for no more than that, the same for both servers.
      const budget = m.nofile - 200 - Math.max(128, Math.floor(m.nofile / 16));
      const cap = Math.max(0, Math.min(m.nofile - 1000, budget - Math.floor(budget / 4) - 100));
      if (lg.conns > cap) {
        record.requestedConns = lg.conns;
        record.capReason = `RLIMIT_NOFILE ${m.nofile}${m.prlimit ? "" : " (prlimit not permitted here)"}`;
        record.cappedTo = cap;
        lg.conns = cap;
      }
    }
    let args;
    if (scenario.redis) {
      const [senderImpl, receiverImpl] = redisPair(scenario, impl);
      record.servers = `${LABEL[senderImpl]}→${LABEL[receiverImpl]}`;
      const env = { REDIS_URL: redis.url, REDIS_KEY: `bench-${process.pid}-${scenario.name}-${impl}-${run}`, ...scenario.redisEnv };
      const receiver = await startServer(m, receiverImpl, { core: 0, env });
      servers.push(receiver);
      const sender = await startServer(m, senderImpl, { core: 1, env });
      servers.push(sender);
      args = toArgs({ ...lg, port: receiver.port, pid: receiver.pid, "sender-port": sender.port, pid2: sender.pid });
    } else {
      const server = await startServer(m, impl, { core: 0, env: scenario.env });
      servers.push(server);
      args = toArgs({ ...lg, port: server.port, pid: server.pid });
    }
    const timeoutS = scenario.idle ? 420 : 180;
    const timedEcho = gen === "cs" && !opts.smoke && ["echo", "binary", "poll"].includes(lg.scenario) && lg.total === undefined;
    const probe = timedEcho ? { pid: servers[0].pid, warmup: lg.warmup ?? 5, duration: lg.duration ?? 5 } : undefined;
    const result = await runLoadGen(m, gen, args, timeoutS, opts.verbose, probe);
    Object.assign(record, { ok: result.ok, errors: result.errors, firstError: result.firstError, metrics: result.metrics });
    if (result.stderr) record.loadgenStderr = result.stderr;
    for (const s of servers) {
      if (!s.alive()) {
        record.ok = false;
        record.firstError ??= `${s.impl} server died during the run`;
        record.serverOutput = s.output();
      }
    }
  } catch (e) {
    record.ok = false;
    record.firstError = e.message;
  } finally {
    for (const s of servers) await s.stop();
  }
  record.args = opts.smoke ? undefined : lg;
  return record;
}

// ---------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function fmt(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function summarize(scenario, gen, records, impls) {
  const rows = [];
  for (const [key, label, better] of scenario.metrics) {
    const byImpl = {};
    for (const impl of impls) {
      byImpl[impl] = records.filter((r) => r.impl === impl && r.ok && typeof r.metrics?.[key] === "number").map((r) => ({ run: r.run, v: r.metrics[key] }));
    }
    const ratios = {};
    for (const [num, den] of PAIRS) {
      const rs = [];
      for (const d of byImpl[num] ?? []) {
        const n = (byImpl[den] ?? []).find((x) => x.run === d.run);
        if (n && n.v !== 0) rs.push(d.v / n.v);
      }
      if (rs.length) ratios[`${num}/${den}`] = { median: median(rs), min: Math.min(...rs), max: Math.max(...rs), n: rs.length };
    }
    rows.push({
      scenario: scenario.name,
      gen,
      key,
      label,
      better,
      median: Object.fromEntries(impls.map((i) => [i, byImpl[i].length ? median(byImpl[i].map((x) => x.v)) : undefined])),
      ratios,
    });
  }
  return rows;
}

function printTable(rows, impls) {
  const pairs = PAIRS.filter(([a, b]) => impls.includes(a) && impls.includes(b));
  const header = ["scenario", "gen", "metric", ...impls.map((i) => LABEL[i]), ...pairs.map(([a, b]) => `${LABEL[a]}/${LABEL[b]} median [min–max] (n)`), "better"];
  const lines = rows.map((r) => [
    r.scenario,
    r.gen,
    r.label,
    ...impls.map((i) => fmt(r.median[i])),
    ...pairs.map(([a, b]) => {
      const x = r.ratios[`${a}/${b}`];
      return x ? `${x.median.toFixed(2)} [${x.min.toFixed(2)}–${x.max.toFixed(2)}] (${x.n})` : "–";
    }),
    r.better === "higher" ? "↑" : r.better === "lower" ? "↓" : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmtLine = (l) => l.map((c, i) => (i >= 3 && i < l.length - 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  console.log(fmtLine(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  let last;
  for (const l of lines) {
    const key = `${l[0]} ${l[1]}`;
    if (last !== undefined && key !== last) console.log("");
    console.log(fmtLine(key === last ? ["", "", ...l.slice(2)] : l));
    last = key;
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

/** Every run of one scenario from one generator, the servers interleaved; returns its records. */
async function runScenario(m, opts, scenario, impls, gen, redis, ctx) {
  const mine = [];
  for (let run = 0; run < opts.runs; run++) {
    // A B A B …: alternate which of the pair goes first; the null server last.
    const order = impls.filter((i) => i !== "null");
    if (run % 2 === 1) order.reverse();
    if (impls.includes("null")) order.push("null");
    for (const impl of order) {
      const t0 = Date.now();
      const rec = await measure(m, opts, scenario, impl, run, redis, gen);
      rec.seconds = Math.round((Date.now() - t0) / 100) / 10;
      ctx.write(rec);
      mine.push(rec);
      const key = scenario.metrics[0][0];
      const label = `${scenario.name} [${gen}] ${LABEL[impl]}${rec.servers ? ` (${rec.servers})` : ""} run ${run + 1}/${opts.runs}`;
      if (rec.ok) {
        console.log(`  ${label}: ${scenario.metrics[0][1]} ${fmt(rec.metrics?.[key])} (${rec.seconds} s)`);
      } else {
        ctx.failures++;
        console.log(`  ${label}: FAILED: ${rec.firstError}`);
        if (rec.loadgenStderr) console.log(rec.loadgenStderr.split("\n").slice(-15).map((l) => `    ${l}`).join("\n"));
        if (rec.serverOutput) console.log(rec.serverOutput.split("\n").slice(-30).map((l) => `    ${l}`).join("\n"));
      }
      if (rec.capReason) ctx.notes.push(`${scenario.name}: ${rec.requestedConns} connections requested, capped to ${rec.cappedTo} by ${rec.capReason}`);
    }
  }
  return mine;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(15)} ${s.what}`);
    return 0;
  }
  const selected = opts.only ? SCENARIOS.filter((s) => opts.only.includes(s.name)) : SCENARIOS;
  if (opts.only) {
    const unknown = opts.only.filter((n) => !SCENARIOS.some((s) => s.name === n));
    if (unknown.length) usage(`unknown scenario(s): ${unknown.join(", ")}`);
  }

  const missing = [];
  if (opts.impls.includes("dotnet") && !existsSync(PATHS.dotnet)) missing.push(PATHS.dotnet);
  if (opts.impls.includes("null") && !existsSync(PATHS.null)) missing.push(PATHS.null);
  if (opts.gens.includes("cs") && !existsSync(PATHS.loadgen)) missing.push(PATHS.loadgen);
  if (missing.length) {
    console.error(`missing build output:\n  ${missing.join("\n  ")}\nbuild first: dotnet build -c Release SocketIoNet.sln`);
    return 2;
  }

  const m = machine();
  m.dotnetEnv = { ...DOTNET_RUNTIME_ENV, ...opts.dotnetEnv };
  m.userDotnetEnv = { ...opts.dotnetEnv };
  startWatchdog();
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const resultsDir = path.join(BENCH, "results");
  mkdirSync(resultsDir, { recursive: true });
  const outFile = path.join(resultsDir, `${stamp}${opts.smoke ? "-smoke" : ""}.jsonl`);
  const write = (obj) => appendFileSync(outFile, `${JSON.stringify(obj)}\n`);
  write({ type: "meta", started: new Date().toISOString(), machine: m, options: opts, argv: process.argv.slice(2) });

  console.log(
    `bench: ${selected.length} scenario(s) × ${opts.runs} run(s) × [${opts.impls.map((i) => LABEL[i]).join(", ")}]` +
      `${opts.smoke ? " (smoke)" : ""}; ${m.nproc} cores, ${m.cpu}; ` +
      `${m.taskset ? "server on core 0, load generator on core 1" : "taskset unavailable: not pinned"}; nofile ${m.nofile}`,
  );
  if (!m.taskset && !opts.smoke) console.log("warning: without pinning the figures are not comparable with pinned runs");

  const started = Date.now();
  let redis;
  const records = [];
  const allRows = [];
  const ctx = { failures: 0, notes: [], write };
  try {
    for (const scenario of selected) {
      if (opts.smoke && scenario.skipSmoke) continue;
      // Likewise the uWebSockets.js server (its native binary must load) is smoke-tested on the `smokeFull` scenarios only.
      const impls = opts.impls.filter((i) => (!scenario.redis || redisPair(scenario, i)) && (!opts.smoke || i !== "node-uws" || scenario.smokeFull));
      if (scenario.redis) {
        redis ??= await startRedis(m);
        if (redis.skip) {
          ctx.notes.push(`${scenario.name}: skipped (${redis.skip})`);
          console.log(`${scenario.name}: skipped (${redis.skip})`);
          continue;
        }
      }
      for (const gen of gensFor(scenario, opts)) {
        const mine = await runScenario(m, opts, scenario, impls, gen, redis, ctx);
        records.push(...mine);
        allRows.push(...summarize(scenario, gen, mine, opts.impls));
      }
    }
  } finally {
    await redis?.stop?.();
  }

  for (const row of allRows) write({ type: "summary", ...row });
  console.log("");
  printTable(allRows, opts.impls);
  console.log("");
  for (const s of selected) console.log(`${s.name}: ${s.what}`);
  for (const n of [...new Set(ctx.notes)]) console.log(`note: ${n}`);
  console.log(`\n${records.length} run(s), ${ctx.failures} failed, ${Math.round((Date.now() - started) / 1000)} s; results: ${path.relative(ROOT, outFile)}`);
  return ctx.failures > 0 ? 1 : 0;
}

main().then(
  (code) => {
    killChildren();
    watchdog?.stdin.end();
    process.exitCode = code;
  },
  (err) => {
    console.error(err?.stack ?? err);
    killChildren();
    process.exitCode = 1;
  },
);
