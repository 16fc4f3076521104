import type Database from "better-sqlite3";

export interface MetricSample {
  readonly name: string;
  readonly value: number;
  /** Epoch seconds. */
  readonly timestamp: number;
}

/** Rows per INSERT statement (see logs.ts). */
const ROWS_PER_INSERT = 256;

/** Every metric value the job's logs produced, kept for charts; the last of each is final. */
export class MetricStore {
  private readonly nextSeq: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly insertMany: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.nextSeq = db.prepare("SELECT COALESCE(MAX(seq), -1) + 1 AS seq FROM metric_samples WHERE job = ? AND name = ?");
    this.insert = db.prepare("INSERT INTO metric_samples (job, name, seq, timestamp, value) VALUES (?, ?, ?, ?, ?)");
    this.insertMany = db.prepare(
      `INSERT INTO metric_samples (job, name, seq, timestamp, value) VALUES ${Array(ROWS_PER_INSERT).fill("(?, ?, ?, ?, ?)").join(", ")}`,
    );
  }

  add(job: string, samples: readonly MetricSample[]): void {
    if (samples.length === 0) return;
    this.db.transaction(() => {
      const next = new Map<string, number>();
      const rows: unknown[][] = samples.map((s) => {
        let seq = next.get(s.name);
        if (seq === undefined) seq = (this.nextSeq.get(job, s.name) as { seq: number }).seq;
        next.set(s.name, seq + 1);
        return [job, s.name, seq, s.timestamp, s.value];
      });
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) this.insertMany.run(rows.slice(i, i + ROWS_PER_INSERT).flat());
      for (; i < rows.length; i++) this.insert.run(rows[i]);
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
