import type Database from "better-sqlite3";

/**
 * Schema migrations, applied in order inside one transaction each; `schema_migrations` records
 * which ran. Add a migration by appending; never edit one that has shipped.
 */
const MIGRATIONS: readonly { version: number; sql: string; foreignKeysOff?: boolean }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE jobs (
        name TEXT PRIMARY KEY,
        arn TEXT NOT NULL,
        request TEXT NOT NULL,
        status TEXT NOT NULL,
        secondary_status TEXT NOT NULL,
        failure_reason TEXT,
        creation_time REAL NOT NULL,
        last_modified_time REAL NOT NULL,
        training_start_time REAL,
        training_end_time REAL,
        model_artifacts TEXT,
        work_dir TEXT NOT NULL,
        executor_state TEXT,
        stop_requested TEXT,
        warnings TEXT
      );
      CREATE INDEX jobs_creation_time ON jobs (creation_time);
      CREATE TABLE transitions (
        job TEXT NOT NULL REFERENCES jobs (name) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        status TEXT NOT NULL,
        start_time REAL NOT NULL,
        end_time REAL,
        message TEXT NOT NULL,
        PRIMARY KEY (job, seq)
      );
      CREATE TABLE log_streams (
        id INTEGER PRIMARY KEY,
        job TEXT NOT NULL REFERENCES jobs (name) ON DELETE CASCADE,
        host TEXT NOT NULL,
        name TEXT NOT NULL UNIQUE,
        creation_time INTEGER NOT NULL,
        first_event_time INTEGER,
        last_event_time INTEGER,
        last_ingestion_time INTEGER,
        stored_bytes INTEGER NOT NULL DEFAULT 0,
        source_offset INTEGER NOT NULL DEFAULT 0,
        event_count INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX log_streams_job ON log_streams (job);
      CREATE TABLE log_events (
        stream_id INTEGER NOT NULL REFERENCES log_streams (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        ingestion_time INTEGER NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (stream_id, seq)
      ) WITHOUT ROWID;
      CREATE TABLE metric_samples (
        job TEXT NOT NULL REFERENCES jobs (name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        seq INTEGER NOT NULL,
        timestamp REAL NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (job, name, seq)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Tags by resource ARN (AddTags, ListTags, DeleteTags), for every kind of resource. The tags a
    // job was created with, until now only in its stored request, become its first tags.
    version: 2,
    sql: `
      CREATE TABLE tags (
        resource_arn TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (resource_arn, key)
      ) WITHOUT ROWID;
      INSERT OR REPLACE INTO tags (resource_arn, key, value, seq)
        SELECT jobs.arn, json_extract(tag.value, '$.Key'), COALESCE(json_extract(tag.value, '$.Value'), ''), CAST(tag.key AS INTEGER)
        FROM jobs, json_each(jobs.request, '$.Tags') AS tag
        WHERE json_extract(tag.value, '$.Key') IS NOT NULL;
      CREATE INDEX jobs_arn ON jobs (arn);
    `,
  },
  {
    // The Python a job's hosts run ({"path", "version"} as JSON), chosen when it is created.
    version: 3,
    sql: "ALTER TABLE jobs ADD COLUMN python TEXT;",
  },
  {
    // Hyperparameter tuning jobs (store/tuning.ts), and for each training job the tuning job that
    // created it with what it tuned (a JSON TrainingJobTuning).
    version: 4,
    sql: `
      CREATE TABLE tuning_jobs (
        name TEXT PRIMARY KEY,
        arn TEXT NOT NULL UNIQUE,
        request TEXT NOT NULL,
        status TEXT NOT NULL,
        failure_reason TEXT,
        creation_time REAL NOT NULL,
        last_modified_time REAL NOT NULL,
        end_time REAL,
        completion TEXT,
        state TEXT
      );
      ALTER TABLE jobs ADD COLUMN tuning_job TEXT;
      ALTER TABLE jobs ADD COLUMN tuning TEXT;
      CREATE INDEX jobs_tuning_job ON jobs (tuning_job);
    `,
  },
  {
    // Each host's utilisation, sampled every few seconds while it runs (store/utilization.ts): the
    // instance metrics (CPUUtilization, MemoryUtilization, DiskUtilization, GPUUtilization,
    // GPUMemoryUtilization) of a host `<job>/algo-N`. A figure that could not be read is NULL.
    version: 5,
    sql: `
      CREATE TABLE host_utilization (
        job TEXT NOT NULL REFERENCES jobs (name) ON DELETE CASCADE,
        host TEXT NOT NULL,
        timestamp REAL NOT NULL,
        cpu_percent REAL,
        memory_percent REAL,
        memory_bytes INTEGER,
        disk_percent REAL,
        gpu_count INTEGER,
        gpu_percent REAL,
        gpu_memory_percent REAL,
        gpu_memory_bytes INTEGER,
        PRIMARY KEY (job, host, timestamp)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Processing jobs (store/processing.ts), and log streams in more than one log group: a stream
    // belongs to a training job (group /aws/sagemaker/TrainingJobs) or to a processing job
    // (/aws/sagemaker/ProcessingJobs), and stream names are unique within their group (a training
    // job and a processing job may have the same name). SQLite cannot change a column's foreign key
    // in place: log_streams is made again (with foreign keys off, so that dropping the old table
    // does not cascade to its events), keeping every stream's id.
    version: 6,
    foreignKeysOff: true,
    sql: `
      CREATE TABLE processing_jobs (
        name TEXT PRIMARY KEY,
        arn TEXT NOT NULL UNIQUE,
        request TEXT NOT NULL,
        status TEXT NOT NULL,
        failure_reason TEXT,
        exit_message TEXT,
        creation_time REAL NOT NULL,
        last_modified_time REAL NOT NULL,
        start_time REAL,
        end_time REAL,
        work_dir TEXT NOT NULL,
        executor_state TEXT,
        stop_requested TEXT,
        warnings TEXT
      );
      CREATE INDEX processing_jobs_creation_time ON processing_jobs (creation_time);
      CREATE TABLE log_streams_v6 (
        id INTEGER PRIMARY KEY,
        log_group TEXT NOT NULL DEFAULT '/aws/sagemaker/TrainingJobs',
        job TEXT REFERENCES jobs (name) ON DELETE CASCADE,
        processing_job TEXT REFERENCES processing_jobs (name) ON DELETE CASCADE,
        host TEXT NOT NULL,
        name TEXT NOT NULL,
        creation_time INTEGER NOT NULL,
        first_event_time INTEGER,
        last_event_time INTEGER,
        last_ingestion_time INTEGER,
        stored_bytes INTEGER NOT NULL DEFAULT 0,
        source_offset INTEGER NOT NULL DEFAULT 0,
        event_count INTEGER NOT NULL DEFAULT 0,
        UNIQUE (log_group, name),
        CHECK ((job IS NULL) <> (processing_job IS NULL))
      );
      INSERT INTO log_streams_v6 (id, job, host, name, creation_time, first_event_time, last_event_time, last_ingestion_time, stored_bytes, source_offset, event_count)
        SELECT id, job, host, name, creation_time, first_event_time, last_event_time, last_ingestion_time, stored_bytes, source_offset, event_count FROM log_streams;
      DROP TABLE log_streams;
      ALTER TABLE log_streams_v6 RENAME TO log_streams;
      CREATE INDEX log_streams_job ON log_streams (job);
      CREATE INDEX log_streams_processing_job ON log_streams (processing_job);
    `,
  },
  {
    // Each metric sample's host (`algo-N`, as log_streams and host_utilization name it), so a
    // metric is a series per host as SageMaker publishes it (CloudWatch dimension Host =
    // `<job>/algo-N`). Samples stored before this came from an unrecorded host: a job of one
    // instance had only algo-1; for a job of several the host stays NULL (unknown). The index
    // serves a series by time (CloudWatch's statistics) and the list of series.
    version: 7,
    sql: `
      ALTER TABLE metric_samples ADD COLUMN host TEXT;
      UPDATE metric_samples SET host = 'algo-1' WHERE job IN (
        SELECT name FROM jobs
        WHERE COALESCE(json_extract(request, '$.ResourceConfig.InstanceCount'), 1) = 1
          AND json_extract(request, '$.ResourceConfig.InstanceGroups') IS NULL
      );
      CREATE INDEX metric_samples_series ON metric_samples (job, host, name, timestamp);
    `,
  },
];

export function migrate(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)");
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version),
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    // A migration that makes a table again runs with foreign keys off (SQLite's own procedure: the
    // pragma cannot change inside a transaction), and checks them before it commits.
    const foreignKeys = m.foreignKeysOff ? (db.pragma("foreign_keys", { simple: true }) as number) : undefined;
    if (m.foreignKeysOff) db.pragma("foreign_keys = OFF");
    try {
      db.transaction(() => {
        db.exec(m.sql);
        if (m.foreignKeysOff) {
          const broken = db.pragma("foreign_key_check") as unknown[];
          if (broken.length > 0) throw new Error(`schema migration ${m.version}: ${broken.length} row(s) break a foreign key`);
        }
        db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(m.version, Date.now() / 1000);
      })();
    } finally {
      if (foreignKeys !== undefined) db.pragma(`foreign_keys = ${foreignKeys ? "ON" : "OFF"}`);
    }
  }
}

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
