// The measured window of a closed-loop scenario. Timed (`--warmup W --duration D`): requests are issued until the
// end of the window, acks count while it is open, and the server's CPU is sampled when it opens and closes. Exact
// (`--total N`): N requests in all, every one counted. Both keep a per-second series from the start of load (rate,
// and server CPU per op) for the time to steady state.

import { sample, between } from "./proc.mjs";
import { describeLatency, timeToSteady } from "./stats.mjs";

export function timedWindow(o, pid) {
  const exact = o.total !== undefined;
  const clkTck = o.clkTck;
  let sent = 0;
  let ops = 0; // acks in the window
  let allOps = 0; // acks since the start of load
  let open = false;
  let closed = false;
  let a;
  let resolve;
  const finished = new Promise((r) => (resolve = r));
  const rateBySecond = [];
  const cpuPerOpBySecond = [];
  let ticker;
  let last;

  function close() {
    if (closed) return;
    closed = true;
    open = false;
    clearInterval(ticker);
    resolve({ a, b: sample(pid), ops });
  }

  return {
    finished,
    /** Ends the run at the first error: the request it concerns never settles, so nothing is waited for. */
    abort() {
      this.aborted = true;
      close();
    },
    aborted: false,
    rateBySecond,
    cpuPerOpBySecond,
    begin() {
      last = { s: sample(pid), ops: 0 };
      ticker = setInterval(() => {
        const s = sample(pid);
        const d = allOps - last.ops;
        rateBySecond.push(Math.round((d * 1000) / (s.t - last.s.t)));
        if (pid) cpuPerOpBySecond.push(d ? Math.round((((s.ticks - last.s.ticks) * 1e6) / clkTck / d) * 100) / 100 : null);
        last = { s, ops: allOps };
      }, 1000);
      if (exact) {
        a = sample(pid);
        open = true;
        return;
      }
      setTimeout(() => {
        a = sample(pid);
        open = true;
        setTimeout(close, o.duration * 1000);
      }, o.warmup * 1000);
    },
    /** May another request be issued? */
    mayStart() {
      if (closed) return false;
      if (exact) return sent++ < o.total;
      return true;
    },
    counts: () => open,
    done() {
      allOps++;
      if (!open) return;
      ops++;
      if (exact && ops === o.total) close();
    },
    /** Waits (polling every 10 ms) until `pred()` holds or `ms` pass. */
    async drain(pred, ms) {
      if (this.aborted) return;
      const deadline = performance.now() + ms;
      while (!pred() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
  };
}

/** The figures of a closed-loop run, under LoadGen's metric names so that run.mjs tabulates both generators alike. */
export function closedLoopMetrics(m, w, win, latencies, o) {
  const cpu = between(w.a, w.b, o.clkTck);
  m.acks = w.ops;
  m.acksPerSec = Math.round(w.ops / (cpu.wallUs / 1e6));
  describeLatency(m, "latency", latencies);
  if (o.pid) {
    m.serverCpuUsPerAck = Math.round((cpu.serverUs / w.ops) * 100) / 100;
    m.serverCpuPct = Math.round(cpu.serverPct * 10) / 10;
    m.serverRssKb = w.b.rss;
    m.serverSwitchesPerAck = Math.round(((w.b.switches - w.a.switches) / w.ops) * 1000) / 1000;
    m.cpuPerAckBySecond = win.cpuPerOpBySecond;
    m.steadyCpuS = timeToSteady(win.cpuPerOpBySecond, "lower");
  }
  m.genCpuPct = Math.round(cpu.genPct * 10) / 10;
  m.rateBySecond = win.rateBySecond;
  m.steadyRateS = timeToSteady(win.rateBySecond, "higher");
}
