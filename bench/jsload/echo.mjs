// Closed-loop echo with ack over WebSocket: each client keeps `inflight` requests outstanding; every ack is checked
// against the payload of the request with its id, and answered by the next request at once.

import { connectMany } from "./sio-ws.mjs";
import { makePayloads } from "./payloads.mjs";
import { timedWindow, closedLoopMetrics } from "./window.mjs";

const PLACEHOLDER = '[{"_placeholder":true,"num":0}]';

export async function echo(o, report) {
  const { host, port, pid } = o;
  const kind = o.payload;
  const make = makePayloads(kind, o.size);
  const win = timedWindow(o, pid);
  const fail = (message) => {
    report.error(message);
    win.abort();
  };
  const latencies = [];
  const clients = [];

  const conns = await connectMany(host, port, o.clients, 100, (i) => ({
    text: (t) => onText(clients[i], t),
    binary: (b) => onBinary(clients[i], b),
    closed: (code) => fail(`client ${i} closed by the server (code ${code})`),
  }));
  conns.forEach((conn, i) => clients.push({ i, conn, seq: 0, pending: new Map(), awaitingBinary: undefined }));

  function send(c) {
    if (!win.mayStart()) return;
    const id = c.seq++;
    const value = make(c.i, id);
    const req = { t0: performance.now(), value, expect: undefined };
    c.pending.set(id, req);
    if (kind === "bin") {
      c.conn.send(`451-${id}["echo",{"_placeholder":true,"num":0}]`);
      c.conn.sendBinary(value);
    } else {
      const json = JSON.stringify(value);
      req.expect = `43${id}[${json}]`;
      c.conn.send(`42${id}["echo",${json}]`);
    }
  }

  function settle(c, id, req) {
    c.pending.delete(id);
    const now = performance.now();
    if (win.counts(now)) latencies.push((now - req.t0) * 1000);
    win.done(now);
    send(c);
  }

  function onText(c, t) {
    if (kind === "bin") {
      // `461-<id>[{"_placeholder":true,"num":0}]`, then the attachment in the next frame.
      const bracket = t.indexOf("[");
      const id = t.startsWith("461-") ? Number(t.slice(4, bracket)) : NaN;
      if (!c.pending.has(id) || t.slice(bracket) !== PLACEHOLDER) return fail(`client ${c.i}: unexpected ${t.slice(0, 80)}`);
      c.awaitingBinary = id;
      return;
    }
    if (!t.startsWith("43")) return fail(`client ${c.i}: unexpected ${t.slice(0, 80)}`);
    const bracket = t.indexOf("[");
    const id = Number(t.slice(2, bracket));
    const req = c.pending.get(id);
    if (!req) return fail(`client ${c.i}: ack for unknown id ${id}`);
    // Byte-exact first; a server may format JSON differently (number forms), so fall back to comparing values.
    if (t !== req.expect && JSON.stringify(JSON.parse(t.slice(bracket))) !== req.expect.slice(req.expect.indexOf("["))) {
      return fail(`client ${c.i}: wrong ack payload for ${id}: ${t.slice(0, 120)}`);
    }
    settle(c, id, req);
  }

  function onBinary(c, b) {
    const id = c.awaitingBinary;
    c.awaitingBinary = undefined;
    const req = id === undefined ? undefined : c.pending.get(id);
    if (!req) return fail(`client ${c.i}: binary frame without a header`);
    if (!req.value.equals(b)) return fail(`client ${c.i}: wrong binary payload for ${id}`);
    settle(c, id, req);
  }

  win.begin();
  for (const c of clients) for (let k = 0; k < o.inflight; k++) send(c);
  const w = await win.finished;
  // Every request sent got its ack (the window ends at once; the outstanding ones are waited for).
  await win.drain(() => clients.every((c) => c.pending.size === 0), 10_000);
  const missing = clients.reduce((n, c) => n + c.pending.size, 0);
  if (missing && !win.aborted) report.error(`${missing} ack(s) missing after the run`);
  for (const c of clients) c.conn.close();

  closedLoopMetrics(report.metrics, w, win, latencies, o);
}

