import type Database from "better-sqlite3";
import { RowInserter } from "./row-inserter.js";

export interface MetricSample {
  readonly name: string;
  readonly value: number;
  /** Epoch seconds. */
  readonly timestamp: number;
}

/** Every metric value the job's logs produced, kept for charts; the last of each is final. */
export class MetricStore {
  private readonly nextSeq: Database.Statement;
  private readonly rows: RowInserter;

  constructor(private readonly db: Database.Database) {
    this.nextSeq = db.prepare("SELECT COALESCE(MAX(seq), -1) + 1 AS seq FROM metric_samples WHERE job = ? AND name = ?");
    this.rows = new RowInserter(db, "metric_samples", ["job", "name", "seq", "timestamp", "value"]);
  }

  add(job: string, samples: readonly MetricSample[]): void {
    if (samples.length === 0) return;
    this.db.transaction(() => {
      const next = new Map<string, number>();
      this.rows.insert(
        samples.map((s) => {
          let seq = next.get(s.name);
          if (seq === undefined) seq = (this.nextSeq.get(job, s.name) as { seq: number }).seq;
          next.set(s.name, seq + 1);
          return [job, s.name, seq, s.timestamp, s.value];
        }),
      );
    })();
  }

  /** Each metric's last value, in name order. */
  final(job: string): MetricSample[] {
    return this.db
      .prepare(
        `SELECT name, value, timestamp FROM metric_samples m
         WHERE job = ? AND seq = (SELECT MAX(seq) FROM metric_samples WHERE job = m.job AND name = m.name)
         ORDER BY name`,
      )
      .all(job) as MetricSample[];
  }

  samples(job: string, name: string): MetricSample[] {
    return this.db.prepare("SELECT name, value, timestamp FROM metric_samples WHERE job = ? AND name = ? ORDER BY seq").all(job, name) as MetricSample[];
  }
}
