#!/usr/bin/env node
// Diagnostic: context switches per ack of each server thread (grouped by thread name) during 4 s of echo100 (or poll100).
//   node bench/thread-switches.mjs tuned|default|node js|cs [echo|poll]   (env vars, e.g. DOTNET_*, pass through to the server)
// Server on core 0, generator on core 1 (taskset); build first. Used for bench/RESULTS.md "Why the two generators disagree".
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
const [impl, gen, scenario = "echo"] = process.argv.slice(2);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, PORT: "0", HOST: "127.0.0.1" };
if (impl === "tuned") Object.assign(env, { DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS: "1", DOTNET_TC_CallCountingDelayMs: "0" });
const cmd = impl === "node" ? [process.execPath, `${ROOT}/interop-tests/node-server.mjs`] : ["dotnet", `${ROOT}/interop-tests/server/bin/Release/net10.0/SocketIo.InteropServer.dll`];
const srv = spawn("taskset", ["-c", "0", ...cmd], { env, stdio: ["ignore", "pipe", "ignore"] });
const port = await new Promise((r) => { let o = ""; srv.stdout.on("data", (d) => { o += d; const m = /:(\d+)\n/.exec(o); if (m) r(m[1]); }); });
function snap() {
  const out = {};
  for (const tid of readdirSync(`/proc/${srv.pid}/task`)) {
    try {
      const st = readFileSync(`/proc/${srv.pid}/task/${tid}/status`, "utf8");
      const name = /^Name:\s+(.*)$/m.exec(st)[1].replace(/\d+$/, "#");
      const v = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(st)[1]);
      const nv = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(st)[1]);
      out[tid] = { name, v, nv };
    } catch {}
  }
  return out;
}
const lgArgs = ["--scenario", scenario, "--port", port, "--pid", String(srv.pid), "--clients", "100", "--size", "16", "--warmup", "3", "--duration", "8"];
const lg = gen === "js" ? spawn("taskset", ["-c", "1", process.execPath, `${ROOT}/bench/jsload/main.mjs`, ...lgArgs], { stdio: ["ignore", "pipe", "ignore"] })
  : spawn("taskset", ["-c", "1", "dotnet", `${ROOT}/bench/LoadGen/bin/Release/net10.0/SocketIo.Bench.LoadGen.dll`, ...lgArgs], { stdio: ["ignore", "pipe", "ignore"] });
let out = ""; lg.stdout.on("data", (d) => (out += d));
await new Promise((r) => setTimeout(r, 5000));
const a = snap();
await new Promise((r) => setTimeout(r, 4000));
const b = snap();
await new Promise((r) => lg.on("exit", r));
srv.kill("SIGKILL");
const res = JSON.parse(out.trim().split("\n").pop());
const acksPerSec = res.metrics.acksPerSec;
const acks4s = acksPerSec * 4;
const by = {};
for (const [tid, x] of Object.entries(b)) {
  const y = a[tid] ?? { v: 0, nv: 0 };
  const k = x.name;
  by[k] ??= { threads: 0, v: 0, nv: 0 };
  by[k].threads++; by[k].v += x.v - y.v; by[k].nv += x.nv - y.nv;
}
console.log(`${impl} ${gen}: acks/s ${acksPerSec}, CPU µs/ack ${res.metrics.serverCpuUsPerAck}, ok ${res.ok}`);
for (const [k, x] of Object.entries(by).sort((p, q) => q[1].v + q[1].nv - p[1].v - p[1].nv)) if (x.v + x.nv > 0) console.log(`  ${k.padEnd(20)} threads ${x.threads}  voluntary/ack ${(x.v / acks4s).toFixed(3)}  involuntary/ack ${(x.nv / acks4s).toFixed(3)}`);
