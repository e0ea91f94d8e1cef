// Connection storm: `conns` WebSocket sessions (upgrade, open packet, CONNECT) with `concurrency` handshakes in
// flight, after `warmupRounds` rounds of `warmupConns` opened and closed (a storm meets a server that has run).

import { connect } from "./sio-ws.mjs";
import { sample, between } from "./proc.mjs";
import { describeLatency } from "./stats.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function openAll(o, n, report, times) {
  const conns = [];
  let next = 0;
  async function worker() {
    while (next < n) {
      next++;
      const t0 = performance.now();
      try {
        conns.push(await connect(o.host, o.port, { closed: () => {} }));
        times?.push((performance.now() - t0) * 1000);
      } catch (e) {
        report.error(`handshake failed: ${e.message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.concurrency, n) }, worker));
  return conns;
}

export async function storm(o, report) {
  for (let r = 0; r < o.warmupRounds; r++) for (const c of await openAll(o, o.warmupConns, report)) c.close();
  await sleep(o.baselineSettle * 1000);
  const a = sample(o.pid);
  const times = [];
  const conns = await openAll(o, o.conns, report, times);
  const b = sample(o.pid);
  for (const c of conns) c.close();

  const m = report.metrics;
  const cpu = between(a, b, o.clkTck);
  m.connected = conns.length;
  m.handshakesPerSec = Math.round(conns.length / (cpu.wallUs / 1e6));
  describeLatency(m, "handshake", times);
  if (o.pid) {
    m.serverCpuUsPerConn = Math.round((cpu.serverUs / conns.length) * 10) / 10;
    m.rssOpenKb = b.rss;
    m.rssPerConnKb = Math.round(((b.rss - a.rss) / conns.length) * 100) / 100;
  }
  m.genCpuPct = Math.round(cpu.genPct * 10) / 10;
  if (conns.length !== o.conns) report.error(`${o.conns - conns.length} of ${o.conns} connections failed`);
}
