import type Database from "better-sqlite3";

export interface MetricSample {
  readonly name: string;
  readonly value: number;
  /** Epoch seconds. */
  readonly timestamp: number;
}

/** Every metric value the job's logs produced, kept for charts; the last of each is final. */
export class MetricStore {
  constructor(private readonly db: Database.Database) {}

  add(job: string, samples: readonly MetricSample[]): void {
    if (samples.length === 0) return;
    const next = this.db.prepare("SELECT COALESCE(MAX(seq), -1) + 1 AS seq FROM metric_samples WHERE job = ? AND name = ?");
    const insert = this.db.prepare("INSERT INTO metric_samples (job, name, seq, timestamp, value) VALUES (?, ?, ?, ?, ?)");
    this.db.transaction(() => {
      for (const s of samples) {
        const { seq } = next.get(job, s.name) as { seq: number };
        insert.run(job, s.name, seq, s.timestamp, s.value);
      }
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
