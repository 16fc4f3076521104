import type Database from "better-sqlite3";
import { RowInserter } from "./row-inserter.js";

/** The CloudWatch Logs groups of SageMaker's jobs: each stream is in one, with its job's kind. */
export const LOG_GROUPS = {
  training: "/aws/sagemaker/TrainingJobs",
  processing: "/aws/sagemaker/ProcessingJobs",
} as const;
export type LogGroup = (typeof LOG_GROUPS)[keyof typeof LOG_GROUPS];

export interface LogStreamRecord {
  readonly id: number;
  readonly group: LogGroup;
  /** The job's name (a training job's or a processing job's, as the group says). */
  readonly job: string;
  readonly host: string;
  readonly name: string;
  /** Epoch milliseconds, as CloudWatch Logs reports them. */
  readonly creationTime: number;
  readonly firstEventTime: number | null;
  readonly lastEventTime: number | null;
  readonly lastIngestionTime: number | null;
  readonly storedBytes: number;
  /** How far into the host's output the stored events reach (to resume after a restart). */
  readonly sourceOffset: number;
  readonly eventCount: number;
}

export interface LogEventRecord {
  readonly seq: number;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

interface StreamRow {
  id: number;
  log_group: string;
  job: string | null;
  processing_job: string | null;
  host: string;
  name: string;
  creation_time: number;
  first_event_time: number | null;
  last_event_time: number | null;
  last_ingestion_time: number | null;
  stored_bytes: number;
  source_offset: number;
  event_count: number;
}

const fromRow = (r: StreamRow): LogStreamRecord => ({
  id: r.id,
  group: r.log_group as LogGroup,
  job: (r.job ?? r.processing_job)!,
  host: r.host,
  name: r.name,
  creationTime: r.creation_time,
  firstEventTime: r.first_event_time,
  lastEventTime: r.last_event_time,
  lastIngestionTime: r.last_ingestion_time,
  storedBytes: r.stored_bytes,
  sourceOffset: r.source_offset,
  eventCount: r.event_count,
});

/** Every line of every host, in order, one stream per host. */
export class LogStore {
  private readonly rows: RowInserter;
  private readonly updateStream: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.rows = new RowInserter(db, "log_events", ["stream_id", "seq", "timestamp", "ingestion_time", "message"]);
    this.updateStream = db.prepare(
      `UPDATE log_streams SET
         first_event_time = COALESCE(first_event_time, ?), last_event_time = ?, last_ingestion_time = ?,
         stored_bytes = stored_bytes + ?, source_offset = ?, event_count = ?
       WHERE id = ?`,
    );
  }

  /** A host's stream, in its job's group (a training job's unless `group` says otherwise). */
  createStream(job: string, host: string, name: string, creationTime: number, group: LogGroup = LOG_GROUPS.training): LogStreamRecord {
    const owner = group === LOG_GROUPS.processing ? "processing_job" : "job";
    this.db
      .prepare(`INSERT INTO log_streams (log_group, ${owner}, host, name, creation_time) VALUES (?, ?, ?, ?, ?) ON CONFLICT (log_group, name) DO NOTHING`)
      .run(group, job, host, name, creationTime);
    return this.streamByName(name, group)!;
  }

  streamByName(name: string, group: LogGroup = LOG_GROUPS.training): LogStreamRecord | undefined {
    const row = this.db.prepare("SELECT * FROM log_streams WHERE log_group = ? AND name = ?").get(group, name) as StreamRow | undefined;
    return row && fromRow(row);
  }

  streamsOfJob(job: string, group: LogGroup = LOG_GROUPS.training): LogStreamRecord[] {
    const owner = group === LOG_GROUPS.processing ? "processing_job" : "job";
    return (this.db.prepare(`SELECT * FROM log_streams WHERE ${owner} = ? ORDER BY host`).all(job) as StreamRow[]).map(fromRow);
  }

  /** A group's streams whose name starts with a prefix, by name or by last event time. */
  streams(options: { group?: LogGroup; prefix?: string; orderBy: "LogStreamName" | "LastEventTime"; descending: boolean }): LogStreamRecord[] {
    const order = options.orderBy === "LogStreamName" ? "name" : "COALESCE(last_event_time, creation_time)";
    const dir = options.descending ? "DESC" : "ASC";
    const group = options.group ?? LOG_GROUPS.training;
    const rows =
      options.prefix === undefined
        ? (this.db.prepare(`SELECT * FROM log_streams WHERE log_group = ? ORDER BY ${order} ${dir}, name ${dir}`).all(group) as StreamRow[])
        : (this.db
            .prepare(`SELECT * FROM log_streams WHERE log_group = ? AND substr(name, 1, length(?)) = ? ORDER BY ${order} ${dir}, name ${dir}`)
            .all(group, options.prefix, options.prefix) as StreamRow[]);
    return rows.map(fromRow);
  }

  /**
   * Store lines of one stream and how far into the source they reach, in one transaction, so a
   * restart resumes exactly where storage stopped: no line lost, none stored twice.
   */
  append(stream: LogStreamRecord, events: readonly { timestamp: number; message: string }[], sourceOffset: number): LogStreamRecord {
    const ingestion = Date.now();
    const current = this.db.prepare("SELECT event_count FROM log_streams WHERE id = ?").get(stream.id) as { event_count: number };
    let seq = current.event_count;
    let bytes = 0;
    this.db.transaction(() => {
      this.rows.insert(
        events.map((e) => {
          bytes += Buffer.byteLength(e.message);
          return [stream.id, seq++, e.timestamp, ingestion, e.message];
        }),
      );
      const first = events[0]?.timestamp ?? null;
      const last = events.length ? events[events.length - 1]!.timestamp : stream.lastEventTime;
      this.updateStream.run(first, last, events.length ? ingestion : stream.lastIngestionTime, bytes, sourceOffset, seq, stream.id);
    })();
    return this.streamByName(stream.name, stream.group)!;
  }

  /** Events with seq in [fromSeq, toSeq], optionally within a time range, ascending, at most `limit`. */
  events(streamId: number, q: { fromSeq: number; toSeq: number; startTime?: number; endTime?: number; limit: number; newestFirst?: boolean }): LogEventRecord[] {
    const rows = this.db
      .prepare(
        `SELECT seq, timestamp, ingestion_time, message FROM log_events
         WHERE stream_id = ? AND seq >= ? AND seq <= ? AND timestamp >= ? AND timestamp < ?
         ORDER BY seq ${q.newestFirst ? "DESC" : "ASC"} LIMIT ?`,
      )
      .all(streamId, q.fromSeq, q.toSeq, q.startTime ?? 0, q.endTime ?? Number.MAX_SAFE_INTEGER, q.limit) as {
      seq: number;
      timestamp: number;
      ingestion_time: number;
      message: string;
    }[];
    const events = rows.map((r) => ({ seq: r.seq, timestamp: r.timestamp, ingestionTime: r.ingestion_time, message: r.message }));
    return q.newestFirst ? events.reverse() : events;
  }

  /** Events of several streams interleaved by time, after a (timestamp, stream, seq) position. */
  interleaved(
    streamIds: readonly number[],
    q: { startTime?: number; endTime?: number; after?: { timestamp: number; streamId: number; seq: number }; limit: number },
  ): (LogEventRecord & { streamId: number })[] {
    if (streamIds.length === 0) return [];
    const after = q.after ?? { timestamp: -1, streamId: -1, seq: -1 };
    const rows = this.db
      .prepare(
        `SELECT stream_id, seq, timestamp, ingestion_time, message FROM log_events
         WHERE stream_id IN (${streamIds.map(() => "?").join(",")})
           AND timestamp >= ? AND timestamp < ?
           AND (timestamp, stream_id, seq) > (?, ?, ?)
         ORDER BY timestamp, stream_id, seq LIMIT ?`,
      )
      .all(...streamIds, q.startTime ?? 0, q.endTime ?? Number.MAX_SAFE_INTEGER, after.timestamp, after.streamId, after.seq, q.limit) as {
      stream_id: number;
      seq: number;
      timestamp: number;
      ingestion_time: number;
      message: string;
    }[];
    return rows.map((r) => ({ streamId: r.stream_id, seq: r.seq, timestamp: r.timestamp, ingestionTime: r.ingestion_time, message: r.message }));
  }

  totalStoredBytes(group: LogGroup = LOG_GROUPS.training): number {
    return (this.db.prepare("SELECT COALESCE(SUM(stored_bytes), 0) AS n FROM log_streams WHERE log_group = ?").get(group) as { n: number }).n;
  }
}
