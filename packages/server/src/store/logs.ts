import type Database from "better-sqlite3";
import { RowInserter } from "./row-inserter.js";

export interface LogStreamRecord {
  readonly id: number;
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
  job: string;
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
  job: r.job,
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

  createStream(job: string, host: string, name: string, creationTime: number): LogStreamRecord {
    this.db
      .prepare("INSERT INTO log_streams (job, host, name, creation_time) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING")
      .run(job, host, name, creationTime);
    return this.streamByName(name)!;
  }

  streamByName(name: string): LogStreamRecord | undefined {
    const row = this.db.prepare("SELECT * FROM log_streams WHERE name = ?").get(name) as StreamRow | undefined;
    return row && fromRow(row);
  }

  streamsOfJob(job: string): LogStreamRecord[] {
    return (this.db.prepare("SELECT * FROM log_streams WHERE job = ? ORDER BY host").all(job) as StreamRow[]).map(fromRow);
  }

  /** Streams whose name starts with a prefix, by name or by last event time. */
  streams(options: { prefix?: string; orderBy: "LogStreamName" | "LastEventTime"; descending: boolean }): LogStreamRecord[] {
    const order = options.orderBy === "LogStreamName" ? "name" : "COALESCE(last_event_time, creation_time)";
    const dir = options.descending ? "DESC" : "ASC";
    const rows =
      options.prefix === undefined
        ? (this.db.prepare(`SELECT * FROM log_streams ORDER BY ${order} ${dir}, name ${dir}`).all() as StreamRow[])
        : (this.db
            .prepare(`SELECT * FROM log_streams WHERE substr(name, 1, length(?)) = ? ORDER BY ${order} ${dir}, name ${dir}`)
            .all(options.prefix, options.prefix) as StreamRow[]);
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
    return this.streamByName(stream.name)!;
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

  totalStoredBytes(): number {
    return (this.db.prepare("SELECT COALESCE(SUM(stored_bytes), 0) AS n FROM log_streams").get() as { n: number }).n;
  }
}
