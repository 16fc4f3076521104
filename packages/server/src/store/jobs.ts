import { listSql, type ResourceListQuery } from "./list-query.js";
import { patchSql } from "./patch.js";
import type Database from "better-sqlite3";
import type { JobPython } from "../jobs/python.js";
import type { TrainingJobTuning } from "./tuning.js";

export type TrainingJobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";
export type SecondaryStatus =
  | "Starting"
  | "Pending"
  | "Downloading"
  | "Training"
  | "Uploading"
  | "Completed"
  | "Failed"
  | "Stopping"
  | "Stopped"
  | "MaxRuntimeExceeded"
  | "Interrupted"
  | "Restarting";

/** Why a stop was asked for: by StopTrainingJob, or because MaxRuntimeInSeconds ran out. */
export type StopCause = "user" | "max-runtime";

export interface JobRecord {
  readonly name: string;
  readonly arn: string;
  /** The CreateTrainingJob request, echoed by DescribeTrainingJob. */
  readonly request: Record<string, unknown>;
  readonly status: TrainingJobStatus;
  readonly secondaryStatus: SecondaryStatus;
  readonly failureReason: string | null;
  /** Epoch seconds. */
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  readonly trainingStartTime: number | null;
  readonly trainingEndTime: number | null;
  readonly modelArtifacts: string | null;
  readonly workDir: string;
  /** What the executor needs to find the job's hosts again after a restart. */
  readonly executorState: unknown;
  readonly stopRequested: StopCause | null;
  /** Things the job could not do as asked (e.g. isolation an executor cannot enforce). */
  readonly warnings: readonly string[];
  /** The Python its hosts run; null for a Docker job (its image's) and for jobs from before it was recorded. */
  readonly python: JobPython | null;
  /** The tuning job that created this job and what it tuned; null for a job created by CreateTrainingJob. */
  readonly tuning: TrainingJobTuning | null;
}

export interface Transition {
  readonly status: SecondaryStatus;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly message: string;
}

export type JobPatch = Partial<
  Pick<
    JobRecord,
    "status" | "failureReason" | "trainingStartTime" | "trainingEndTime" | "modelArtifacts" | "executorState" | "stopRequested" | "warnings"
  >
>;

interface JobRow {
  name: string;
  arn: string;
  request: string;
  status: string;
  secondary_status: string;
  failure_reason: string | null;
  creation_time: number;
  last_modified_time: number;
  training_start_time: number | null;
  training_end_time: number | null;
  model_artifacts: string | null;
  work_dir: string;
  executor_state: string | null;
  stop_requested: string | null;
  warnings: string | null;
  python: string | null;
  tuning_job: string | null;
  tuning: string | null;
}

function fromRow(r: JobRow): JobRecord {
  return {
    name: r.name,
    arn: r.arn,
    request: JSON.parse(r.request) as Record<string, unknown>,
    status: r.status as TrainingJobStatus,
    secondaryStatus: r.secondary_status as SecondaryStatus,
    failureReason: r.failure_reason,
    creationTime: r.creation_time,
    lastModifiedTime: r.last_modified_time,
    trainingStartTime: r.training_start_time,
    trainingEndTime: r.training_end_time,
    modelArtifacts: r.model_artifacts,
    workDir: r.work_dir,
    executorState: r.executor_state === null ? null : (JSON.parse(r.executor_state) as unknown),
    stopRequested: r.stop_requested as StopCause | null,
    warnings: r.warnings === null ? [] : (JSON.parse(r.warnings) as string[]),
    python: r.python === null ? null : (JSON.parse(r.python) as JobPython),
    tuning: r.tuning === null ? null : (JSON.parse(r.tuning) as TrainingJobTuning),
  };
}

export type ListQuery = ResourceListQuery<"Name" | "CreationTime" | "Status", TrainingJobStatus>;

const SORT_COLUMNS = { Name: "name", CreationTime: "creation_time", Status: "status" } as const;

/** The column of each field a JobPatch may change. */
const PATCH_COLUMNS: Readonly<Record<keyof JobPatch, string>> = {
  status: "status",
  failureReason: "failure_reason",
  trainingStartTime: "training_start_time",
  trainingEndTime: "training_end_time",
  modelArtifacts: "model_artifacts",
  executorState: "executor_state",
  stopRequested: "stop_requested",
  warnings: "warnings",
};
const PATCH_JSON: ReadonlySet<keyof JobPatch> = new Set(["executorState", "warnings"]);

/** Jobs and their status transitions. */
export class JobStore {
  constructor(private readonly db: Database.Database) {}

  /** Insert a new job with its first transition; false when the name is taken. */
  insert(job: JobRecord, first: { status: SecondaryStatus; message: string }): boolean {
    return this.db.transaction(() => {
      const exists = this.db.prepare("SELECT 1 FROM jobs WHERE name = ?").get(job.name);
      if (exists) return false;
      this.db
        .prepare(
          `INSERT INTO jobs (name, arn, request, status, secondary_status, failure_reason, creation_time, last_modified_time,
             training_start_time, training_end_time, model_artifacts, work_dir, executor_state, stop_requested, warnings, python,
             tuning_job, tuning)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          job.name,
          job.arn,
          JSON.stringify(job.request),
          job.status,
          first.status,
          job.failureReason,
          job.creationTime,
          job.creationTime,
          job.trainingStartTime,
          job.trainingEndTime,
          job.modelArtifacts,
          job.workDir,
          job.executorState === null ? null : JSON.stringify(job.executorState),
          job.stopRequested,
          JSON.stringify(job.warnings),
          job.python === null ? null : JSON.stringify(job.python),
          job.tuning === null ? null : job.tuning.job,
          job.tuning === null ? null : JSON.stringify(job.tuning),
        );
      this.db
        .prepare("INSERT INTO transitions (job, seq, status, start_time, end_time, message) VALUES (?, 0, ?, ?, NULL, ?)")
        .run(job.name, first.status, job.creationTime, first.message);
      return true;
    })();
  }

  getByArn(arn: string): JobRecord | undefined {
    const row = this.db.prepare("SELECT * FROM jobs WHERE arn = ?").get(arn) as JobRow | undefined;
    return row && fromRow(row);
  }

  get(name: string): JobRecord | undefined {
    const row = this.db.prepare("SELECT * FROM jobs WHERE name = ?").get(name) as JobRow | undefined;
    return row && fromRow(row);
  }

  /** Jobs whose status says they are still running or stopping (for recovery after a restart). */
  unfinished(): JobRecord[] {
    return (this.db.prepare("SELECT * FROM jobs WHERE status IN ('InProgress', 'Stopping') ORDER BY creation_time").all() as JobRow[]).map(
      fromRow,
    );
  }

  update(name: string, patch: JobPatch, time = Date.now() / 1000): void {
    const { sql, values } = patchSql("jobs", patch, PATCH_COLUMNS, PATCH_JSON, time);
    this.db.prepare(sql).run(...values, name);
  }

  /**
   * Move to a new SecondaryStatus: the open transition gets its end time, a new one opens, and
   * the job's fields in `patch` change in the same transaction.
   */
  transition(name: string, status: SecondaryStatus, message: string, patch: JobPatch = {}, time = Date.now() / 1000): void {
    this.db.transaction(() => {
      const last = this.db.prepare("SELECT MAX(seq) AS seq FROM transitions WHERE job = ?").get(name) as { seq: number | null };
      const seq = (last.seq ?? -1) + 1;
      this.db.prepare("UPDATE transitions SET end_time = ? WHERE job = ? AND end_time IS NULL").run(time, name);
      this.db
        .prepare("INSERT INTO transitions (job, seq, status, start_time, end_time, message) VALUES (?, ?, ?, ?, NULL, ?)")
        .run(name, seq, status, time, message);
      this.db.prepare("UPDATE jobs SET secondary_status = ? WHERE name = ?").run(status, name);
      this.update(name, patch, time);
    })();
  }

  /**
   * A new StatusMessage for the job's current SecondaryStatus (why it still waits): the open
   * transition's message when it has this status, else a new transition.
   */
  restate(name: string, status: SecondaryStatus, message: string, time = Date.now() / 1000): void {
    this.db.transaction(() => {
      const open = this.db.prepare("SELECT seq, status FROM transitions WHERE job = ? AND end_time IS NULL ORDER BY seq DESC LIMIT 1").get(name) as
        | { seq: number; status: string }
        | undefined;
      if (open?.status !== status) return this.transition(name, status, message, {}, time);
      this.db.prepare("UPDATE transitions SET message = ? WHERE job = ? AND seq = ?").run(message, name, open.seq);
      this.update(name, {}, time);
    })();
  }

  /** Close the last transition (a finished job's final status has an end time). */
  closeTransitions(name: string, time = Date.now() / 1000): void {
    this.db.prepare("UPDATE transitions SET end_time = ? WHERE job = ? AND end_time IS NULL").run(time, name);
  }

  transitions(name: string): Transition[] {
    return (
      this.db.prepare("SELECT status, start_time, end_time, message FROM transitions WHERE job = ? ORDER BY seq").all(name) as {
        status: string;
        start_time: number;
        end_time: number | null;
        message: string;
      }[]
    ).map((r) => ({ status: r.status as SecondaryStatus, startTime: r.start_time, endTime: r.end_time, message: r.message }));
  }

  list(q: ListQuery): JobRecord[] {
    const { sql, values } = listSql("jobs", q, SORT_COLUMNS);
    return (this.db.prepare(sql).all(...values) as JobRow[]).map(fromRow);
  }

  delete(name: string): void {
    this.db.prepare("DELETE FROM jobs WHERE name = ?").run(name);
  }

  /** The training jobs a tuning job created, in creation order (TrainingJobTuning.seq). */
  ofTuningJob(name: string): JobRecord[] {
    return (
      this.db.prepare("SELECT * FROM jobs WHERE tuning_job = ? ORDER BY json_extract(tuning, '$.seq'), creation_time, name").all(name) as JobRow[]
    ).map(fromRow);
  }

  /** How many jobs hold capacity or wait for it. */
  countActive(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE status IN ('InProgress', 'Stopping')").get() as { n: number }).n;
  }
}
