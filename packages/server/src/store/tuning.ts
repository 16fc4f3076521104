/**
 * Hyperparameter tuning jobs: the CreateHyperParameterTuningJob request as it came, the job's
 * status and end, and what DescribeHyperParameterTuningJob reports on completion. The tuner keeps
 * no state of its own here: it resumes from the trials it finds (tuning/tuner.ts), so the `state`
 * column stays null; it is kept for a strategy that would need one.
 *
 * The training jobs a tuner creates are ordinary rows of `jobs`; their `tuning_job` and `tuning`
 * columns say which tuning job made them (jobs.ts, JobRecord.tuning).
 */
import type { ResourceListQuery } from "./list-query.js";
import { ResourceTable } from "./resource-table.js";
import type Database from "better-sqlite3";

export type TuningJobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped" | "Deleting";

export interface TuningJobRecord {
  readonly name: string;
  readonly arn: string;
  /** The CreateHyperParameterTuningJob request as received. */
  readonly request: unknown;
  readonly status: TuningJobStatus;
  readonly failureReason: string | null;
  /** Epoch seconds. */
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  /** HyperParameterTuningEndTime. */
  readonly endTime: number | null;
  /** TuningJobCompletionDetails as the API returns it, or null. */
  readonly completion: unknown | null;
  /** A tuner's own state: null (today's tuner derives all it needs from its trials). */
  readonly state: unknown | null;
}

/** What a training job created by a tuner records about that. */
export interface TrainingJobTuning {
  /** The tuning job's name. */
  readonly job: string;
  /** TrainingJobDefinitionName, where the request used TrainingJobDefinitions. */
  readonly definition: string | null;
  /** TunedHyperParameters. */
  readonly tuned: Readonly<Record<string, string>>;
  /** 1, 2, ... in creation order (the NNN of its name). */
  readonly seq: number;
}

export type TuningListQuery = ResourceListQuery<"Name" | "Status" | "CreationTime", TuningJobStatus>;

export type TuningJobPatch = Partial<Pick<TuningJobRecord, "status" | "failureReason" | "endTime" | "completion" | "state">>;

interface TuningRow {
  name: string;
  arn: string;
  request: string;
  status: string;
  failure_reason: string | null;
  creation_time: number;
  last_modified_time: number;
  end_time: number | null;
  completion: string | null;
  state: string | null;
}

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
const parsed = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));

function fromRow(r: TuningRow): TuningJobRecord {
  return {
    name: r.name,
    arn: r.arn,
    request: JSON.parse(r.request) as unknown,
    status: r.status as TuningJobStatus,
    failureReason: r.failure_reason,
    creationTime: r.creation_time,
    lastModifiedTime: r.last_modified_time,
    endTime: r.end_time,
    completion: parsed(r.completion),
    state: parsed(r.state),
  };
}

const SORT_COLUMNS = { Name: "name", Status: "status", CreationTime: "creation_time" } as const;

const COLUMNS: Readonly<Record<keyof TuningJobPatch, string>> = {
  status: "status",
  failureReason: "failure_reason",
  endTime: "end_time",
  completion: "completion",
  state: "state",
};
const JSON_COLUMNS: ReadonlySet<keyof TuningJobPatch> = new Set(["completion", "state"]);

export class TuningStore extends ResourceTable<TuningRow, TuningJobRecord, TuningJobPatch, "Name" | "Status" | "CreationTime"> {
  constructor(db: Database.Database) {
    super(db, { table: "tuning_jobs", fromRow, patchColumns: COLUMNS, jsonColumns: JSON_COLUMNS, sortColumns: SORT_COLUMNS });
  }

  /** Insert a new tuning job; false when the name (or its ARN) is taken. */
  insert(record: TuningJobRecord): boolean {
    return this.db.transaction(() => {
      if (this.taken(record.name, record.arn)) return false;
      this.db
        .prepare(
          `INSERT INTO tuning_jobs (name, arn, request, status, failure_reason, creation_time, last_modified_time, end_time, completion, state)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.name,
          record.arn,
          JSON.stringify(record.request),
          record.status,
          record.failureReason,
          record.creationTime,
          record.lastModifiedTime,
          record.endTime,
          json(record.completion),
          json(record.state),
        );
      return true;
    })();
  }
}
