// Fan-out: a room of `room` WebSocket clients (`join`), and one more client, outside the room, that calls
// `bcast-all(room, payload)` `burst` times back to back, then waits for every delivery (checked in order at each
// member) and for the `burst` acks before the next burst. Warm-up bursts for `warmup` s, then bursts until
// `duration` s and at least 3 have passed (or exactly `bursts` in all).

import { connect, connectMany } from "./sio-ws.mjs";
import { sample, between } from "./proc.mjs";
import { median } from "./stats.mjs";

const ROOM = "jsload-room";

export async function fanout(o, report) {
  const members = [];
  let expected; // the texts of the current burst, in order
  let delivered = 0;
  let onProgress = () => {};
  const conns = await connectMany(o.host, o.port, o.room, 100, (i) => ({
    text: (t) => {
      const mm = members[i];
      if (mm.joinId !== undefined) {
        if (!t.startsWith(`43${mm.joinId}[`)) return report.error(`member ${i}: unexpected ${t.slice(0, 80)}`);
        mm.joinId = undefined;
        mm.joined(Number(t.slice(t.indexOf("[") + 1, -1)));
        return;
      }
      const want = expected?.[mm.next];
      // With connection state recovery a broadcast carries its offset as one more argument.
      if (want === undefined || !(t === `${want}]` || t.startsWith(`${want},"`))) return report.error(`member ${i}: unexpected ${t.slice(0, 80)}`);
      mm.next++;
      delivered++;
      onProgress();
    },
    closed: (code) => report.error(`member ${i} closed by the server (code ${code})`),
  }));
  for (const conn of conns) members.push({ conn, next: 0 });
  const sizes = await Promise.all(members.map((mm, i) => new Promise((r) => {
    mm.joinId = i;
    mm.joined = r;
    mm.conn.send(`42${i}["join","${ROOM}"]`);
  })));
  if (Math.max(...sizes) !== o.room) report.error(`room size ${Math.max(...sizes)}, expected ${o.room}`);

  let acks = 0;
  const sender = await connect(o.host, o.port, {
    text: (t) => {
      if (!/^43\d+\[\]$/.test(t)) return report.error(`sender: unexpected ${t.slice(0, 80)}`);
      acks++;
      onProgress();
    },
    closed: () => report.error("sender closed by the server"),
  });

  let seq = 0;
  async function burst(n) {
    expected = [];
    for (const mm of members) mm.next = 0;
    delivered = 0;
    acks = 0;
    const texts = [];
    for (let k = 0; k < o.burst; k++) {
      const payload = `b${n}-${k}`;
      expected.push(`42["msg","${payload}"`);
      texts.push(`42${seq++}["bcast-all","${ROOM}","${payload}"]`);
    }
    const want = o.room * o.burst;
    const t0 = performance.now();
    let tLast = t0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`burst ${n}: ${delivered}/${want} deliveries, ${acks}/${o.burst} acks after 30 s`)), 30_000);
      onProgress = () => {
        if (delivered === want && tLast === t0) tLast = performance.now();
        if (delivered === want && acks === o.burst) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const t of texts) sender.send(t);
    });
    return tLast - t0;
  }

  let n = 0;
  if (o.bursts === undefined) {
    const warmEnd = performance.now() + o.warmup * 1000;
    while (performance.now() < warmEnd) await burst(n++);
  }
  const a = sample(o.pid);
  const times = [];
  const end = performance.now() + o.duration * 1000;
  while (o.bursts !== undefined ? times.length < o.bursts : times.length < 3 || performance.now() < end) times.push(await burst(n++));
  const b = sample(o.pid);
  sender.close();
  for (const mm of members) mm.conn.close();

  const m = report.metrics;
  const cpu = between(a, b, o.clkTck);
  const deliveries = times.length * o.room * o.burst;
  const busyMs = times.reduce((x, y) => x + y, 0);
  m.deliveries = deliveries;
  m.deliveriesPerSec = Math.round(deliveries / (busyMs / 1000));
  m.lastDeliveryP50Ms = Math.round(median(times) * 10) / 10;
  m.lastDeliveryMaxMs = Math.round(Math.max(...times) * 10) / 10;
  if (o.pid) m.serverCpuUsPerDelivery = Math.round((cpu.serverUs / deliveries) * 1000) / 1000;
  m.genCpuPct = Math.round(cpu.genPct * 10) / 10;
}
