import type Database from "better-sqlite3";
import { openDatabase } from "./database.js";
import { JobStore } from "./jobs.js";
import { LogStore } from "./logs.js";
import { MetricStore } from "./metrics.js";
import { ProcessingStore } from "./processing.js";
import { TagStore } from "./tags.js";
import { TuningStore } from "./tuning.js";
import { UtilizationStore } from "./utilization.js";

export * from "./jobs.js";
export * from "./logs.js";
export * from "./metrics.js";
export * from "./processing.js";
export * from "./tags.js";
export * from "./tuning.js";
export * from "./utilization.js";

/** The control plane's state: one SQLite file under OPTML_HOME. */
export class Store {
  readonly jobs: JobStore;
  readonly logs: LogStore;
  readonly metrics: MetricStore;
  readonly processing: ProcessingStore;
  readonly tags: TagStore;
  readonly tuning: TuningStore;
  readonly utilization: UtilizationStore;

  constructor(readonly db: Database.Database) {
    this.jobs = new JobStore(db);
    this.logs = new LogStore(db);
    this.metrics = new MetricStore(db);
    this.processing = new ProcessingStore(db);
    this.tags = new TagStore(db);
    this.tuning = new TuningStore(db);
    this.utilization = new UtilizationStore(db);
  }

  static open(file: string): Store {
    return new Store(openDatabase(file));
  }

  close(): void {
    this.db.close();
  }
}
