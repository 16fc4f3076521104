/**
 * Processing jobs (CreateProcessingJob): the request as it came, the job's status, its times,
 * FailureReason and ExitMessage, where its files are and what its executor needs to find its
 * hosts. Processing job names are a namespace of their own: a training job may have the same name.
 * Each host's log stream is in the group /aws/sagemaker/ProcessingJobs (logs.ts).
 */
import type Database from "better-sqlite3";
import type { ResourceListQuery } from "./list-query.js";
import { ResourceTable } from "./resource-table.js";
import type { StopCause } from "./jobs.js";

export type ProcessingJobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

export interface ProcessingJobRecord {
  readonly name: string;
  readonly arn: string;
  /** The CreateProcessingJob request as received. */
  readonly request: unknown;
  readonly status: ProcessingJobStatus;
  readonly failureReason: string | null;
  /** The first KiB of the hosts' /opt/ml/output/message, once the job has ended. */
  readonly exitMessage: string | null;
  /** Epoch seconds. */
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  /** ProcessingStartTime: when the hosts started. */
  readonly startTime: number | null;
  /** ProcessingEndTime. */
  readonly endTime: number | null;
  readonly workDir: string;
  readonly executorState: unknown | null;
  readonly stopRequested: StopCause | null;
  /** What optml could not do as asked (OptmlWarnings). */
  readonly warnings: readonly string[];
}

export type ProcessingListQuery = ResourceListQuery<"Name" | "CreationTime" | "Status", ProcessingJobStatus>;

export type ProcessingJobPatch = Partial<
  Pick<ProcessingJobRecord, "status" | "failureReason" | "exitMessage" | "startTime" | "endTime" | "executorState" | "stopRequested" | "warnings">
>;

interface ProcessingRow {
  name: string;
  arn: string;
  request: string;
  status: string;
  failure_reason: string | null;
  exit_message: string | null;
  creation_time: number;
  last_modified_time: number;
  start_time: number | null;
  end_time: number | null;
  work_dir: string;
  executor_state: string | null;
  stop_requested: string | null;
  warnings: string | null;
}

function fromRow(r: ProcessingRow): ProcessingJobRecord {
  return {
    name: r.name,
    arn: r.arn,
    request: JSON.parse(r.request) as unknown,
    status: r.status as ProcessingJobStatus,
    failureReason: r.failure_reason,
    exitMessage: r.exit_message,
    creationTime: r.creation_time,
    lastModifiedTime: r.last_modified_time,
    startTime: r.start_time,
    endTime: r.end_time,
    workDir: r.work_dir,
    executorState: r.executor_state === null ? null : (JSON.parse(r.executor_state) as unknown),
    stopRequested: r.stop_requested as StopCause | null,
    warnings: r.warnings === null ? [] : (JSON.parse(r.warnings) as string[]),
  };
}

const SORT_COLUMNS = { Name: "name", CreationTime: "creation_time", Status: "status" } as const;

const COLUMNS: Readonly<Record<keyof ProcessingJobPatch, string>> = {
  status: "status",
  failureReason: "failure_reason",
  exitMessage: "exit_message",
  startTime: "start_time",
  endTime: "end_time",
  executorState: "executor_state",
  stopRequested: "stop_requested",
  warnings: "warnings",
};

const JSON_COLUMNS: ReadonlySet<keyof ProcessingJobPatch> = new Set(["executorState", "warnings"]);

export class ProcessingStore extends ResourceTable<ProcessingRow, ProcessingJobRecord, ProcessingJobPatch, "Name" | "CreationTime" | "Status"> {
  constructor(db: Database.Database) {
    super(db, { table: "processing_jobs", fromRow, patchColumns: COLUMNS, jsonColumns: JSON_COLUMNS, sortColumns: SORT_COLUMNS });
  }

  /** Insert a new processing job; false when the name (or its ARN) is taken. */
  insert(record: ProcessingJobRecord): boolean {
    return this.db.transaction(() => {
      if (this.taken(record.name, record.arn)) return false;
      this.db
        .prepare(
          `INSERT INTO processing_jobs (name, arn, request, status, failure_reason, exit_message, creation_time, last_modified_time,
             start_time, end_time, work_dir, executor_state, stop_requested, warnings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.name,
          record.arn,
          JSON.stringify(record.request),
          record.status,
          record.failureReason,
          record.exitMessage,
          record.creationTime,
          record.lastModifiedTime,
          record.startTime,
          record.endTime,
          record.workDir,
          record.executorState === null ? null : JSON.stringify(record.executorState),
          record.stopRequested,
          JSON.stringify(record.warnings),
        );
      return true;
    })();
  }
}
