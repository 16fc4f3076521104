/**
 * Server-side downsampling for the dashboard's charts: a series of any length becomes at most
 * about `2 * buckets` points, keeping each bucket's smallest and largest value (in time order), so
 * spikes and the envelope of a noisy loss survive while a 100,000-point series ships as ~2,000.
 * Series at or under the budget are returned unchanged.
 */
export interface Series {
  /** Epoch seconds, ascending. */
  readonly t: number[];
  readonly v: number[];
  /** Each point's index in the full series (its sample number). */
  readonly i: number[];
}

export function downsampleMinMax(t: readonly number[], v: readonly number[], buckets: number): Series {
  const n = Math.min(t.length, v.length);
  if (buckets < 1 || n <= buckets * 2) return { t: t.slice(0, n), v: v.slice(0, n), i: Array.from({ length: n }, (_, k) => k) };
  const outT: number[] = [];
  const outV: number[] = [];
  const outI: number[] = [];
  // Buckets by index, which keeps a bucket's points in one place whatever the sampling rate does.
  const size = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    if (start >= end) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (v[i]! < v[lo]!) lo = i;
      if (v[i]! > v[hi]!) hi = i;
    }
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    outT.push(t[first]!);
    outV.push(v[first]!);
    outI.push(first);
    if (second !== first) {
      outT.push(t[second]!);
      outV.push(v[second]!);
      outI.push(second);
    }
  }
  // The last point stays the last point: a live chart's right edge is the newest value.
  if (outI[outI.length - 1] !== n - 1) {
    outT.push(t[n - 1]!);
    outV.push(v[n - 1]!);
    outI.push(n - 1);
  }
  return { t: outT, v: outV, i: outI };
}
