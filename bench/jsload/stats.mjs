// Percentiles and time to steady state.

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Adds p50/p99/p99.9 of `values` (µs) to `m` under `prefix`. */
export function describeLatency(m, prefix, values) {
  const s = Float64Array.from(values).sort();
  m[`${prefix}P50Us`] = Math.round(percentile(s, 50));
  m[`${prefix}P99Us`] = Math.round(percentile(s, 99));
  m[`${prefix}P999Us`] = Math.round(percentile(s, 99.9));
}

/**
 * Time to steady state of a per-second series: the plateau is the median of its second half; the series is steady
 * from the first second whose next 3 seconds (a median, so that one noisy second on a shared machine neither starts
 * nor ends it) are within 10 % of the plateau. `better` says which side counts as "within": for a rate, ≥ 90 % of
 * the plateau; for a cost per operation, ≤ 110 %. Returns the seconds from the start of load, or undefined when the
 * series never settles.
 */
export function timeToSteady(series, better) {
  const clean = series.filter((x) => Number.isFinite(x));
  if (clean.length < 6) return undefined;
  const plateau = median(clean.slice(Math.floor(clean.length / 2)));
  const ok = (v) => (better === "higher" ? v >= 0.9 * plateau : v <= 1.1 * plateau);
  for (let i = 0; i + 3 <= series.length; i++) {
    const win = series.slice(i, i + 3).filter((x) => Number.isFinite(x));
    if (win.length && ok(median(win))) return i;
  }
  return undefined;
}
