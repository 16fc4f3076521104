/**
 * CloudWatch's statistics over raw samples, pure: periods, buckets and the values of each.
 *
 * - The start is rounded down as CloudWatch rounds it: to the period for high-resolution periods
 *   (1, 5, 10, 30 s, i.e. to even divisions of a minute), else to the whole minute when it is
 *   under 15 days old, to 5 minutes when under 63 days, to the hour beyond. With a start on such a
 *   boundary the buckets are aligned to the epoch.
 * - Bucket k covers [start + k·period, start + (k+1)·period); samples at or after EndTime are out.
 *   A bucket without samples gives no datapoint. A datapoint's Timestamp is its bucket's start.
 * - SampleCount, Sum, Average, Minimum, Maximum of the samples; percentile pNN (0 ≤ NN ≤ 100, up
 *   to two decimals) by nearest rank (the ⌈NN/100·n⌉-th smallest; p0 the smallest), and none
 *   when any sample is negative (CloudWatch: "Percentile statistics are not available for
 *   metrics when any of the metric values are negative numbers").
 */

export const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;
export type Statistic = (typeof STATISTICS)[number];

export interface Sample {
  /** Epoch seconds. */
  readonly timestamp: number;
  readonly value: number;
}

export interface Bucket {
  /** Epoch seconds of the bucket's start. */
  readonly timestamp: number;
  /** The bucket's values, in time order. */
  readonly values: readonly number[];
}

const DAY = 86_400;

/** Periods CloudWatch accepts: 1, 5, 10, 30, or a multiple of 60. */
export function isValidPeriod(period: number): boolean {
  return Number.isInteger(period) && (period === 1 || period === 5 || period === 10 || period === 30 || (period > 0 && period % 60 === 0));
}

/** The start CloudWatch uses for a request made at `now` (epoch seconds). */
export function roundedStart(startTime: number, period: number, now: number): number {
  const age = now - startTime;
  const unit = period < 60 ? period : age < 15 * DAY ? 60 : age < 63 * DAY ? 300 : 3600;
  return Math.floor(startTime / unit) * unit;
}

/** How many datapoints a request can give at most (what the 1,440 limit is checked against). */
export function datapointsRequested(start: number, endTime: number, period: number): number {
  return Math.max(0, Math.ceil((endTime - start) / period));
}

/** The samples in [start, endTime) grouped into period buckets from start; only non-empty buckets, in time order. */
export function bucketize(samples: readonly Sample[], start: number, endTime: number, period: number): Bucket[] {
  const byIndex = new Map<number, number[]>();
  for (const s of samples) {
    if (s.timestamp < start || s.timestamp >= endTime) continue;
    const k = Math.floor((s.timestamp - start) / period);
    let values = byIndex.get(k);
    if (values === undefined) byIndex.set(k, (values = []));
    values.push(s.value);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([k, values]) => ({ timestamp: start + k * period, values }));
}

export function statistic(values: readonly number[], stat: Statistic): number {
  switch (stat) {
    case "SampleCount":
      return values.length;
    case "Sum":
      return sum(values);
    case "Average":
      return sum(values) / values.length;
    case "Minimum":
      return values.reduce((a, b) => Math.min(a, b), Infinity);
    case "Maximum":
      return values.reduce((a, b) => Math.max(a, b), -Infinity);
  }
}

/** Kahan-summed, so that many small values add up as a double allows. */
function sum(values: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const v of values) {
    const y = v - c;
    const t = s + y;
    c = t - s - y;
    s = t;
  }
  return s;
}

/** The percentile of an extended statistic `pNN`, or undefined when the name is not one. */
export function percentileOf(name: string): number | undefined {
  const m = /^p(\d{1,3}(?:\.\d{1,2})?)$/.exec(name);
  if (m === null) return undefined;
  const p = Number(m[1]);
  return p >= 0 && p <= 100 ? p : undefined;
}

/** Nearest-rank percentile; undefined when any value is negative (or there are none). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0 || values.some((v) => v < 0)) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** The value of a GetMetricData `Stat`: one of STATISTICS or a percentile `pNN`. */
export function statValue(values: readonly number[], stat: string): number | undefined {
  if ((STATISTICS as readonly string[]).includes(stat)) return statistic(values, stat as Statistic);
  const p = percentileOf(stat);
  return p === undefined ? undefined : percentile(values, p);
}

/** Whether a GetMetricData `Stat` is one this server computes. */
export function isKnownStat(stat: string): boolean {
  return (STATISTICS as readonly string[]).includes(stat) || percentileOf(stat) !== undefined;
}
