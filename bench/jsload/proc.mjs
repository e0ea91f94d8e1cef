// Server cost as the kernel accounts it: utime + stime from /proc/<pid>/stat, VmRSS from /proc/<pid>/status.
// Read independently of bench/LoadGen (the two generators must not share code), with the same definitions so that
// their per-operation figures compare.

import { readFileSync } from "node:fs";

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

/** A point in time: wall clock, this process's CPU, and the server's CPU ticks and RSS. */
export function sample(pid) {
  const self = process.cpuUsage();
  return {
    t: performance.now(),
    selfUs: self.user + self.system,
    ticks: pid ? cpuTicks(pid) : NaN,
    rss: pid ? rssKb(pid) : NaN,
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
