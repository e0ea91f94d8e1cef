// Closed-loop echo with ack over HTTP long-polling, on Node's own HTTP client: one keep-alive Agent per client with
// two sockets, as a browser or engine.io-client uses them — one always carries a pending GET, the other the POSTs.
// POSTs never overlap (the server rejects that): packets queued meanwhile go in the next one, \x1e-separated.

import http from "node:http";
import { makePayloads } from "./payloads.mjs";
import { timedWindow, closedLoopMetrics } from "./window.mjs";

function request(agent, host, port, method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { "Content-Type": "text/plain;charset=UTF-8", "Content-Length": Buffer.byteLength(body) };
    const req = http.request({ agent, host, port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${method} ${res.statusCode}: ${text.slice(0, 200)}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

class PollClient {
  constructor(o, i, handlers) {
    this.o = o;
    this.i = i;
    this.handlers = handlers;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    this.queue = [];
    this.posting = false;
    this.closed = false;
  }

  async open() {
    const hs = await request(this.agent, this.o.host, this.o.port, "GET", "/socket.io/?EIO=4&transport=polling");
    if (hs[0] !== "0") throw new Error(`bad handshake: ${hs.slice(0, 100)}`);
    this.path = `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(JSON.parse(hs.slice(1)).sid)}`;
    this.connected = new Promise((r) => (this.onConnected = r));
    this.send("40");
    this.getLoop();
    await this.connected;
  }

  send(packet) {
    this.queue.push(packet);
    if (!this.posting) this.flush();
  }

  async flush() {
    this.posting = true;
    while (this.queue.length && !this.closed) {
      const body = this.queue.join("\x1e");
      this.queue = [];
      try {
        const r = await request(this.agent, this.o.host, this.o.port, "POST", this.path, body);
        if (r !== "ok") throw new Error(`POST answered ${r.slice(0, 80)}`);
      } catch (e) {
        if (!this.closed) this.handlers.error(`client ${this.i}: ${e.message}`);
      }
    }
    this.posting = false;
  }

  async getLoop() {
    while (!this.closed) {
      let body;
      try {
        body = await request(this.agent, this.o.host, this.o.port, "GET", this.path);
      } catch (e) {
        if (!this.closed) this.handlers.error(`client ${this.i}: GET ${e.message}`);
        return;
      }
      for (const p of body.split("\x1e")) {
        if (p === "2") this.send("3");
        else if (p === "6" || p === "") continue;
        else if (p.startsWith("40{")) this.onConnected();
        else if (p === "1") return this.handlers.error(`client ${this.i}: closed by the server`);
        else this.handlers.text(p);
      }
    }
  }

  close() {
    this.closed = true;
    this.agent.destroy();
  }
}

export async function poll(o, report) {
  const { pid } = o;
  const make = makePayloads("str", o.size);
  const win = timedWindow(o, pid);
  const fail = (message) => {
    report.error(message);
    win.abort();
  };
  const latencies = [];
  const clients = [];
  for (let i = 0; i < o.clients; i++) {
    const c = new PollClient(o, i, { text: (t) => onText(c, t), error: (e) => fail(e) });
    Object.assign(c, { seq: 0, pending: new Map() });
    clients.push(c);
  }
  // 20 at a time: each handshake is three HTTP exchanges.
  for (let k = 0; k < clients.length; k += 20) await Promise.all(clients.slice(k, k + 20).map((c) => c.open()));

  function sendNext(c) {
    if (!win.mayStart()) return;
    const id = c.seq++;
    const json = JSON.stringify(make(c.i, id));
    c.pending.set(id, { t0: performance.now(), expect: `43${id}[${json}]` });
    c.send(`42${id}["echo",${json}]`);
  }

  function onText(c, t) {
    const id = t.startsWith("43") ? Number(t.slice(2, t.indexOf("["))) : NaN;
    const req = c.pending.get(id);
    if (!req || req.expect !== t) return fail(`client ${c.i}: unexpected ${t.slice(0, 100)}`);
    c.pending.delete(id);
    const now = performance.now();
    if (win.counts(now)) latencies.push((now - req.t0) * 1000);
    win.done(now);
    sendNext(c);
  }

  win.begin();
  for (const c of clients) for (let k = 0; k < o.inflight; k++) sendNext(c);
  const w = await win.finished;
  await win.drain(() => clients.every((c) => c.pending.size === 0), 10_000);
  const missing = clients.reduce((n, c) => n + c.pending.size, 0);
  if (missing && !win.aborted) report.error(`${missing} ack(s) missing after the run`);
  for (const c of clients) c.close();

  closedLoopMetrics(report.metrics, w, win, latencies, o);
}
