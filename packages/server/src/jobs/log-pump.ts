/**
 * A host's output into the log store: split into lines as it arrives, stored in batches (one
 * transaction per batch, with the source offset it reaches, so a restart resumes exactly), and
 * matched against the job's metric definitions.
 */
import type { HostHandle } from "../executors/types.js";
import type { LogStreamRecord, Store } from "../store/index.js";
import { matchMetrics, type MetricMatcher } from "./metrics.js";

const BATCH_LINES = 5000;
const BATCH_MS = 100;
/** CloudWatch Logs' largest event; longer lines are split. */
const MAX_EVENT_BYTES = 256 * 1024 - 26;

export interface LogPumpOptions {
  readonly store: Store;
  readonly job: string;
  readonly stream: LogStreamRecord;
  readonly host: HostHandle;
  readonly metrics: readonly MetricMatcher[];
  readonly signal: AbortSignal;
  /** Called with each stored batch of lines (for followers in this process). */
  readonly onLines?: (lines: readonly string[]) => void;
}

export async function pumpLogs(o: LogPumpOptions): Promise<void> {
  let stream = o.stream;
  let pending = ""; // bytes of an unfinished line, decoded
  let pendingStart = stream.sourceOffset;
  let batch: { timestamp: number; message: string }[] = [];
  let lastFlush = Date.now();
  const decoder = new TextDecoder("utf-8");
  let offsetOfBatchEnd = stream.sourceOffset;

  // Lines that arrived within BATCH_MS of the last flush are stored when the next chunk comes, or
  // by this timer when none comes: a program that prints a line and then works quietly for a
  // minute has that line in the log at once, not a minute later.
  let timer: NodeJS.Timeout | undefined;
  let timerFailure: unknown;
  const flushLater = () => {
    timer = undefined;
    try {
      flush();
    } catch (e) {
      timerFailure ??= e; // thrown by the loop, as a flush there would be
    }
  };
  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (batch.length === 0 && offsetOfBatchEnd === stream.sourceOffset) return;
    stream = o.store.logs.append(stream, batch, offsetOfBatchEnd);
    const samples = [];
    for (const e of batch) for (const m of matchMetrics(o.metrics, e.message)) samples.push({ ...m, host: stream.host, timestamp: e.timestamp / 1000 });
    o.store.metrics.add(o.job, samples);
    o.onLines?.(batch.map((e) => e.message));
    batch = [];
    lastFlush = Date.now();
  };

  const addLine = (line: string, now: number) => {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (Buffer.byteLength(text) <= MAX_EVENT_BYTES) batch.push({ timestamp: now, message: text });
    else for (let i = 0; i < text.length; i += MAX_EVENT_BYTES / 4) batch.push({ timestamp: now, message: text.slice(i, i + MAX_EVENT_BYTES / 4) });
  };

  for await (const chunk of o.host.output(stream.sourceOffset, o.signal)) {
    if (timerFailure !== undefined) throw timerFailure;
    const now = Date.now();
    const text = pending + decoder.decode(chunk.data, { stream: true });
    const lines = text.split("\n");
    pending = lines.pop()!;
    for (const line of lines) addLine(line, now);
    // Only whole lines are stored; the offset stored is where the unfinished line starts.
    const pendingBytes = Buffer.byteLength(pending);
    offsetOfBatchEnd = chunk.offset - pendingBytes;
    pendingStart = offsetOfBatchEnd;
    if (batch.length >= BATCH_LINES || now - lastFlush >= BATCH_MS) flush();
    else timer ??= setTimeout(flushLater, BATCH_MS - (now - lastFlush));
  }
  if (pending.length > 0 || decoder.decode().length > 0) {
    addLine(pending, Date.now());
    offsetOfBatchEnd = pendingStart + Buffer.byteLength(pending);
  }
  if (timerFailure !== undefined) throw timerFailure;
  flush();
}
