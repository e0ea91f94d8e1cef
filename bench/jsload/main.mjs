#!/usr/bin/env node
// The second load generator: JavaScript on the `ws` package and Node's keep-alive HTTP client, written apart from
// bench/LoadGen (C#, hand-written epoll, sockets and framing) and sharing no code with it, so that a figure both
// agree on is not an artefact of one generator. Prints one JSON line on stdout (ok, errors, firstError, metrics
// under LoadGen's names); exit code 0 = everything arrived exactly, 1 = errors, 2 = bad usage.
//
//   node bench/jsload/main.mjs --scenario echo|binary|poll|storm|fanout --port N [--pid N] [options]
//     echo/binary/poll: --clients 100 --inflight 1 --payload str|json|bin --size 64 --warmup 5 --duration 5 | --total N
//     storm: --conns 5000 --concurrency 200 --warmup-conns 500 --warmup-rounds 8 --baseline-settle 1
//     fanout: --room 1000 --burst 10 --warmup 3 --duration 5 | --bursts N
//     --host 127.0.0.1 --clk-tck 100 --timeout 300

import { echo } from "./echo.mjs";
import { poll } from "./poll.mjs";
import { storm } from "./storm.mjs";
import { fanout } from "./fanout.mjs";

const NUMERIC = new Set(["port", "pid", "clients", "inflight", "size", "warmup", "duration", "total", "conns", "concurrency",
  "warmup-conns", "warmup-rounds", "baseline-settle", "room", "burst", "bursts", "clk-tck", "timeout"]);
// LoadGen options run.mjs passes that mean nothing here (they tune its own storm bookkeeping).
const IGNORED = new Set(["settle", "hold", "sources", "connect-deadline", "allow-partial", "payload-size", "slow", "sender-port", "pid2", "rate", "messages"]);

function parse(argv) {
  const o = { host: "127.0.0.1", clients: 100, inflight: 1, payload: "str", size: 64, warmup: 5, duration: 5, conns: 5000,
    concurrency: 200, warmupConns: 500, warmupRounds: 8, baselineSettle: 1, room: 1000, burst: 10, clkTck: 100, timeout: 300 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected ${a}`);
    const key = a.slice(2);
    const value = argv[i + 1] !== undefined && !argv[i + 1].startsWith("--") ? argv[++i] : "true";
    if (IGNORED.has(key)) continue;
    const camel = key.replace(/-(.)/g, (_, c) => c.toUpperCase());
    if (NUMERIC.has(key)) {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${key} needs a number`);
      o[camel] = n;
    } else if (key === "scenario" || key === "host" || key === "payload") o[camel] = value;
    else throw new Error(`unknown option --${key}`);
  }
  if (!o.scenario || !o.port) throw new Error("--scenario and --port are required");
  if (o.scenario === "binary") o.payload = "bin";
  return o;
}

async function main() {
  let o;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\nsee the first comment of bench/jsload/main.mjs`);
    return 2;
  }
  const errors = [];
  const report = {
    metrics: {},
    error(message) {
      if (errors.length < 20) console.error(`error: ${message}`);
      errors.push(message);
    },
  };
  const run = { echo, binary: echo, poll, storm, fanout }[o.scenario];
  if (!run) {
    console.error(`unknown scenario ${o.scenario}`);
    return 2;
  }
  let timer;
  try {
    await Promise.race([
      run(o, report),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`scenario did not finish within ${o.timeout} s`)), o.timeout * 1000))),
    ]);
  } catch (e) {
    report.error(`${e.name}: ${e.message}`);
  } finally {
    clearTimeout(timer);
  }
  const result = { generator: "js", scenario: o.scenario, ok: errors.length === 0, errors: errors.length, firstError: errors[0], metrics: report.metrics };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return errors.length ? 1 : 0;
}

// Exit at once: open sockets (a server that did not close) must not keep the generator alive.
main().then((code) => process.exit(code), (e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
