// Server cost as the kernel accounts it: utime + stime from /proc/<pid>/stat, VmRSS from /proc/<pid>/status.
// Read independently of bench/LoadGen (the two generators must not share code), with the same definitions so that
// their per-operation figures compare.

import { readFileSync, readdirSync } from "node:fs";

export function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(rest[11]) + Number(rest[12]); // fields 14 (utime) and 15 (stime)
}

export function rssKb(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

/**
 * Context switches of every thread of `pid` (voluntary + involuntary): per operation, how often the server went to
 * sleep and was woken, i.e. how many operations it handled per wake-up.
 */
export function contextSwitches(pid) {
  let n = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const st = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      for (const m of st.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) n += Number(m[1]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return n;
}

/** A point in time: wall clock, this process's CPU, and the server's CPU ticks and RSS. */
export function sample(pid) {
  const self = process.cpuUsage();
  return {
    t: performance.now(),
    selfUs: self.user + self.system,
    ticks: pid ? cpuTicks(pid) : NaN,
    rss: pid ? rssKb(pid) : NaN,
    switches: pid ? contextSwitches(pid) : NaN,
  };
}

/** CPU figures between two samples: server µs, server %, generator %. */
export function between(a, b, clkTck) {
  const wallUs = (b.t - a.t) * 1000;
  const serverUs = ((b.ticks - a.ticks) * 1e6) / clkTck;
  return {
    wallUs,
    serverUs,
    serverPct: (100 * serverUs) / wallUs,
    genPct: (100 * (b.selfUs - a.selfUs)) / wallUs,
  };
}
