import type Database from "better-sqlite3";
import { openDatabase } from "./database.js";
import { JobStore } from "./jobs.js";
import { LogStore } from "./logs.js";
import { MetricStore } from "./metrics.js";

export * from "./jobs.js";
export * from "./logs.js";
export * from "./metrics.js";

/** The control plane's state: one SQLite file under OPTML_HOME. */
export class Store {
  readonly jobs: JobStore;
  readonly logs: LogStore;
  readonly metrics: MetricStore;

  constructor(readonly db: Database.Database) {
    this.jobs = new JobStore(db);
    this.logs = new LogStore(db);
    this.metrics = new MetricStore(db);
  }

  static open(file: string): Store {
    return new Store(openDatabase(file));
  }

  close(): void {
    this.db.close();
  }
}
