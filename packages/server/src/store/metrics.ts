/**
 * Every metric sample a job's logs produced (table metric_samples): each regex match of a
 * MetricDefinition (jobs/metrics.ts) with the timestamp of its log line, the host whose log it was
 * and the value. The last sample of each name is the job's final value (FinalMetricDataList); the
 * series per host are CloudWatch's metrics (cloudwatch/) and the dashboard's charts.
 *
 * Hosts are named `algo-N` as in log_streams and host_utilization; CloudWatch's Host dimension is
 * `<job>/algo-N`. `host` is null only for samples stored before hosts were recorded in a job of
 * several instances (migration 7). `seq` numbers a job's samples of one name in the order they
 * were stored (over all hosts), from 0: a reader following a live job asks for those after the
 * last seq it has. Rows go with their job (ON DELETE CASCADE).
 */
import type Database from "better-sqlite3";
import { RowInserter } from "./row-inserter.js";

export interface MetricSample {
  readonly name: string;
  readonly value: number;
  /** Epoch seconds (of the log line). */
  readonly timestamp: number;
}

/** A sample to store: a metric value from one host's log. */
export interface HostMetricSample extends MetricSample {
  /** `algo-N`. */
  readonly host: string;
}

/** A sample as stored. */
export interface StoredMetricSample extends MetricSample {
  readonly host: string | null;
  readonly seq: number;
}

/** One series: a metric name on one host, with how many samples it has and their time span. */
export interface MetricSeries {
  readonly name: string;
  readonly host: string | null;
  readonly count: number;
  /** Epoch seconds of the first and last sample. */
  readonly first: number;
  readonly last: number;
}

export interface MetricSamplesQuery {
  /** Only this host's samples (`algo-N`); all hosts when absent. */
  readonly host?: string;
  /** Only samples with seq greater than this (to follow a live job). */
  readonly afterSeq?: number;
  /** Epoch seconds, inclusive. */
  readonly startTime?: number;
  /** Epoch seconds, exclusive. */
  readonly endTime?: number;
  /** At most this many, the first in seq order. */
  readonly limit?: number;
}

const SELECT = "SELECT name, host, seq, timestamp, value FROM metric_samples";

export class MetricStore {
  private readonly nextSeq: Database.Statement;
  private readonly rows: RowInserter;

  constructor(private readonly db: Database.Database) {
    this.nextSeq = db.prepare("SELECT COALESCE(MAX(seq), -1) + 1 AS seq FROM metric_samples WHERE job = ? AND name = ?");
    this.rows = new RowInserter(db, "metric_samples", ["job", "name", "seq", "host", "timestamp", "value"]);
  }

  /**
   * Store samples in the order given (one transaction). A NaN (a log's `loss=nan`, which the
   * regex rules accept) is left out: SQLite has no NaN (it would be NULL) and CloudWatch holds
   * none; ±Infinity is kept.
   */
  add(job: string, all: readonly HostMetricSample[]): void {
    const samples = all.filter((s) => !Number.isNaN(s.value));
    if (samples.length === 0) return;
    this.db.transaction(() => {
      const next = new Map<string, number>();
      this.rows.insert(
        samples.map((s) => {
          let seq = next.get(s.name);
          if (seq === undefined) seq = (this.nextSeq.get(job, s.name) as { seq: number }).seq;
          next.set(s.name, seq + 1);
          return [job, s.name, seq, s.host, s.timestamp, s.value];
        }),
      );
    })();
  }

  /** Each metric's last value (over all hosts), in name order: FinalMetricDataList. */
  final(job: string): MetricSample[] {
    return this.db
      .prepare(
        // One pass over the job's names for their last seq, then a primary-key lookup each (a
        // correlated subquery per row took ~80 ms at 100,000 samples).
        `SELECT m.name, m.value, m.timestamp FROM (SELECT name, MAX(seq) AS seq FROM metric_samples WHERE job = ? GROUP BY name) f
         JOIN metric_samples m ON m.job = ? AND m.name = f.name AND m.seq = f.seq ORDER BY m.name`,
      )
      .all(job, job) as MetricSample[];
  }

  /** A metric's samples in seq order (the order stored), of every host unless the query names one. */
  samples(job: string, name: string, q: MetricSamplesQuery = {}): StoredMetricSample[] {
    const where = ["job = ?", "name = ?"];
    const args: unknown[] = [job, name];
    if (q.host !== undefined) where.push("host = ?"), args.push(q.host);
    if (q.afterSeq !== undefined) where.push("seq > ?"), args.push(q.afterSeq);
    if (q.startTime !== undefined) where.push("timestamp >= ?"), args.push(q.startTime);
    if (q.endTime !== undefined) where.push("timestamp < ?"), args.push(q.endTime);
    const limit = q.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(q.limit))}` : "";
    return this.db.prepare(`${SELECT} WHERE ${where.join(" AND ")} ORDER BY seq${limit}`).all(...args) as StoredMetricSample[];
  }

  /** A job's series (name and host), by name then host. */
  series(job: string): MetricSeries[] {
    return this.db
      .prepare(
        `SELECT name, host, COUNT(*) AS count, MIN(timestamp) AS first, MAX(timestamp) AS last
         FROM metric_samples WHERE job = ? GROUP BY host, name ORDER BY name, host`,
      )
      .all(job) as MetricSeries[];
  }

  /** Every job's series, by job, name and host (CloudWatch's ListMetrics). */
  allSeries(): (MetricSeries & { readonly job: string })[] {
    return this.db
      .prepare(
        `SELECT job, name, host, COUNT(*) AS count, MIN(timestamp) AS first, MAX(timestamp) AS last
         FROM metric_samples GROUP BY job, host, name ORDER BY job, name, host`,
      )
      .all() as (MetricSeries & { job: string })[];
  }

  /** The values of one host's series with timestamp in [startTime, endTime), in time order (CloudWatch's statistics). */
  valuesBetween(job: string, host: string, name: string, startTime: number, endTime: number): { timestamp: number; value: number }[] {
    return this.db
      .prepare("SELECT timestamp, value FROM metric_samples WHERE job = ? AND host = ? AND name = ? AND timestamp >= ? AND timestamp < ? ORDER BY timestamp, seq")
      .all(job, host, name, startTime, endTime) as { timestamp: number; value: number }[];
  }
}
