/**
 * Pipe mode: a channel's data streamed through FIFOs, as SageMaker gives it.
 *
 * `input/data/<channel>_0` exists when the program starts. Each time the program opens the
 * channel's current FIFO, that is one pass (epoch) over the data: the host's objects are written
 * to it in order (S3Prefix: S3's key order; ManifestFile: the manifest's order), each
 * decompressed on the way when the channel's CompressionType is Gzip; RecordIO and other content
 * pass as they are. When a pass is over (all written, or the program closed its end early), the
 * next FIFO `<channel>_<epoch+1>` is made and the finished one removed, then closed (the program
 * reads EOF), so a program that reopens a finished FIFO gets ENOENT instead of hanging.
 * Passes go on while the host runs. A source that fails mid-pass ends the job: the FIFO is closed
 * and the failure reported (the lifecycle stops the hosts and fails the job with ClientError).
 *
 * The content cache: an S3 object that the content cache holds (same bucket, key and ETag) is
 * read from it, not from S3; one that it does not hold is written into it on the way to the FIFO
 * (when it fits the cache's limit), once every byte has passed. So a pass after the first, and a
 * rerun of the job, read unchanged objects from the machine's disk, as File mode's reruns do.
 * Writing to the cache is best effort: a failed write stops the caching, not the pass.
 *
 * Read-ahead: while an object streams, the next one (after a pass's last object, the next pass's
 * first) is already asked for, so the store's time to first byte (tens of milliseconds on S3,
 * about a second per 256 MiB on moto, which reads a whole object before it answers) passes
 * while the FIFO is being fed instead of between objects. An object being written into the cache
 * is not asked for ahead again (its next turn reads the cache). A response held ahead is used
 * only while it is fresh (AHEAD_MAX_AGE_MS: a program that pauses between passes gets a new
 * request); one that failed while held is asked for again in its turn.
 */
import { execFile, spawn } from "node:child_process";
import { constants, createReadStream, openSync } from "node:fs";
import { lstat, readdir, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { basename, dirname } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";
import type { ChannelPlacement } from "../jobs/plan.js";
import { channelObjects, type ChannelObject } from "./channel-objects.js";
import type { DataContext } from "./context.js";
import { DataError, pipeSourceFailed } from "./errors.js";
import type { CachedObject } from "./cache.js";
import { objectResponse } from "./s3-objects.js";

const run = promisify(execFile);

/** How often an unopened FIFO is tried for a reader. */
const OPEN_POLL_MS = 20;

/**
 * Bytes buffered in front of the FIFO, so that the source (an HTTP response) keeps streaming while
 * the program takes what the FIFO holds, instead of stopping and starting at the FIFO's pace.
 * (Not the read-ahead of objects, above: that asks for the next object early.)
 */
const BUFFERED_BYTES = 8 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/** How long a response requested ahead may wait for its turn before a fresh one is asked for. */
const AHEAD_MAX_AGE_MS = 15_000;

/** An object's bytes for a pass. */
interface Source {
  readonly stream: Readable;
  /** From the content cache. */
  readonly fromCache: boolean;
  /** For an S3 response to be written into the cache on the way: what the object is. */
  readonly cacheAs: CachedObject | undefined;
}

/** A source asked for before its turn (see Read-ahead above). */
interface Ahead {
  /** The object's place in the channel's order. */
  readonly index: number;
  readonly source: Promise<Source>;
  readonly requestedAt: number;
  failed: boolean;
}

/** Linux's fcntl to size a pipe's buffer, and the size asked for (the default limit for anyone). */
const F_SETPIPE_SZ = 1031;
const PIPE_BUFFER_BYTES = 1024 * 1024;

/**
 * Raise the FIFO's buffer from 64 KiB to 1 MiB, so that writer and reader hand over 16 times
 * less often (on a busy machine, several times the throughput). Node has no fcntl, so a helper
 * that inherits the FIFO as its stdin does it: perl (starts in milliseconds), else python3;
 * without either, or off Linux, the FIFO keeps its default buffer.
 */
async function enlargeFifo(fd: number): Promise<void> {
  if (process.platform !== "linux") return;
  const helpers: [string, string[]][] = [
    ["perl", ["-e", `fcntl(STDIN, ${F_SETPIPE_SZ}, ${PIPE_BUFFER_BYTES}) or exit 1`]],
    ["python3", ["-c", `import fcntl; fcntl.fcntl(0, ${F_SETPIPE_SZ}, ${PIPE_BUFFER_BYTES})`]],
  ];
  for (const [command, args] of helpers) {
    const done = await new Promise<boolean>((resolve) => {
      const child = spawn(command, args, { stdio: [fd, "ignore", "ignore"] });
      child.once("error", () => resolve(false));
      child.once("exit", (code) => resolve(code === 0));
    });
    if (done) return;
  }
}

/** `<base>/input/data/<channel>_<epoch>`. */
export function pipePath(placement: Pick<ChannelPlacement, "target">, epoch: number): string {
  return `${placement.target}_${epoch}`;
}

export async function makeFifo(path: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isFIFO()) return;
  if (existing) throw new Error(`${path} exists and is not a FIFO`);
  await run("mkfifo", ["-m", "0644", path]);
}

/** The epoch of the channel's newest FIFO, or undefined when there is none. */
async function currentEpoch(placement: ChannelPlacement): Promise<number | undefined> {
  const prefix = `${basename(placement.target)}_`;
  let newest: number | undefined;
  for (const name of await readdir(dirname(placement.target)).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) continue;
    const epoch = Number(name.slice(prefix.length));
    if ((await lstat(`${dirname(placement.target)}/${name}`)).isFIFO() && (newest === undefined || epoch > newest)) newest = epoch;
  }
  return newest;
}

/** Open a FIFO for writing once a reader has opened it (never blocking a thread); undefined when stopped. */
async function openWhenRead(path: string, signal: AbortSignal): Promise<number | undefined> {
  while (!signal.aborted) {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENXIO") throw e;
    }
    await sleep(OPEN_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

/**
 * Gathers the small chunks a source emits at once (an HTTP response's body arrives in pieces of
 * a few KiB) into one chunk, up to 1 MiB, so that the FIFO gets one write, and the program one
 * wake-up, per batch instead of per piece. What has arrived is passed on before the next I/O, so
 * nothing waits for more data to come.
 */
class Coalesce extends Transform {
  private parts: Buffer[] = [];
  private size = 0;
  private scheduled = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= CHUNK_BYTES) this.release();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        if (!this.destroyed) this.release();
      });
    }
    done();
  }

  override _flush(done: () => void): void {
    this.release();
    done();
  }

  private release(): void {
    if (this.size === 0) return;
    this.push(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size));
    this.parts = [];
    this.size = 0;
  }
}

/** The reader closed its end: the pass is over, not failed. */
function readerGone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "EPIPE" || code === "ECONNRESET" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_PREMATURE_CLOSE";
}

export class PipeChannel {
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;
  private objects: ChannelObject[] | undefined;
  private ahead: Ahead | undefined;
  /** Passes served so far. */
  passes = 0;
  /**
   * Where the objects of the passes came from: the content cache, an S3 response asked for
   * ahead, an S3 response asked for in turn (local files are not counted).
   */
  readonly sources = { cache: 0, ahead: 0, inTurn: 0 };

  constructor(
    private readonly data: DataContext,
    private readonly placement: ChannelPlacement,
    private readonly onFatal: (error: DataError) => void,
    private readonly aheadMaxAgeMs = AHEAD_MAX_AGE_MS,
  ) {}

  start(): void {
    this.loop = this.serve().catch((e: unknown) => {
      if (this.controller.signal.aborted) return;
      this.onFatal(e instanceof DataError ? e : new DataError(`Pipe mode channel '${this.placement.channel}': ${(e as Error).message}`));
    });
  }

  /** Stop serving (the host has exited). */
  async stop(): Promise<void> {
    this.controller.abort(new Error("the host has exited"));
    await this.loop;
    this.dropAhead();
  }

  /** Object `o` from the cache when it holds it, else from S3 (to be cached on the way when it fits). */
  private async open(o: ChannelObject & { kind: "s3" }, signal: AbortSignal): Promise<Source> {
    const cache = this.data.cache;
    const cached = await cache.read(o);
    if (cached) return { stream: cached, fromCache: true, cacheAs: undefined };
    const response = await objectResponse(this.data.s3, o.bucket, o.key, signal);
    const actual: CachedObject = {
      bucket: o.bucket,
      key: o.key,
      etag: response.etag ?? o.etag,
      size: response.size ?? o.size,
      lastModified: response.lastModified ?? o.lastModified,
    };
    return { stream: response.body, fromCache: false, cacheAs: cache.enabled && actual.size <= cache.limitBytes ? actual : undefined };
  }

  /** Ask for object `index` now, to be taken by `source` in its turn. S3 objects only. */
  private requestAhead(objects: readonly ChannelObject[], index: number, signal: AbortSignal): void {
    this.dropAhead();
    const o = objects[index]!;
    if (o.kind !== "s3") return;
    const ahead: Ahead = { index, source: this.open(o, signal), requestedAt: Date.now(), failed: false };
    // Nobody reads it yet: a failure is noted (and the object asked for again in its turn), not thrown.
    ahead.source.then(
      ({ stream }) => stream.once("error", () => (ahead.failed = true)),
      () => (ahead.failed = true),
    );
    this.ahead = ahead;
  }

  private dropAhead(): void {
    const ahead = this.ahead;
    this.ahead = undefined;
    ahead?.source.then(
      ({ stream }) => stream.destroy(),
      () => undefined,
    );
  }

  /** Object `index`: what was asked for ahead when it is there and usable, else asked for now. */
  private async source(objects: readonly ChannelObject[], index: number, signal: AbortSignal): Promise<Source> {
    const o = objects[index]!;
    if (o.kind === "file") return { stream: createReadStream(o.file, { highWaterMark: CHUNK_BYTES }), fromCache: false, cacheAs: undefined };
    const ahead = this.ahead;
    if (ahead?.index === index && !ahead.failed && Date.now() - ahead.requestedAt < this.aheadMaxAgeMs) {
      this.ahead = undefined;
      const source = await ahead.source.catch(() => undefined);
      if (source && !ahead.failed && !source.stream.destroyed) {
        if (source.fromCache) this.sources.cache++;
        else this.sources.ahead++;
        return source;
      }
      source?.stream.destroy();
    }
    this.dropAhead();
    const source = await this.open(o, signal);
    if (source.fromCache) this.sources.cache++;
    else this.sources.inTurn++;
    return source;
  }

  private async serve(): Promise<void> {
    const signal = this.controller.signal;
    let epoch = (await currentEpoch(this.placement)) ?? 0;
    await makeFifo(pipePath(this.placement, epoch));
    while (!signal.aborted) {
      const path = pipePath(this.placement, epoch);
      const fd = await openWhenRead(path, signal);
      if (fd === undefined) return;
      await enlargeFifo(fd);
      const socket = new Socket({ fd, readable: false, writable: true });
      const reader = { gone: false };
      socket.on("error", (e) => {
        if (readerGone(e)) reader.gone = true;
      });
      const onAbort = () => socket.destroy();
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        this.objects ??= await channelObjects(this.data, this.placement, signal);
        await this.pass(socket, this.objects, reader, signal);
        this.passes++;
        // The next FIFO is there, and this one gone, before the program reads EOF on this one.
        await makeFifo(pipePath(this.placement, epoch + 1));
        await rm(path, { force: true });
        await closeSocket(socket);
      } catch (e) {
        socket.destroy();
        throw e;
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
      epoch++;
    }
  }

  /** One pass over the objects; returns early, without error, when the reader closes its end. */
  private async pass(socket: Socket, objects: readonly ChannelObject[], reader: { gone: boolean }, signal: AbortSignal): Promise<void> {
    for (const [index, o] of objects.entries()) {
      if (reader.gone || socket.destroyed) return;
      let source: Source;
      try {
        source = await this.source(objects, index, signal);
        const next = (index + 1) % objects.length;
        // The next object, unless it is this one (a one-object channel) on its way into the cache.
        if (next !== index || !source.cacheAs) this.requestAhead(objects, next, signal);
      } catch (e) {
        if (signal.aborted) throw e;
        throw pipeSourceFailed(this.placement.channel, o.uri, e);
      }
      const writer = source.cacheAs ? await this.data.cache.writer() : undefined;
      try {
        const stages: NodeJS.ReadWriteStream[] = [];
        if (writer) stages.push(writer);
        if (this.placement.compression === "Gzip") stages.push(createGunzip({ chunkSize: CHUNK_BYTES }));
        stages.push(new Coalesce({ readableHighWaterMark: BUFFERED_BYTES }));
        await pipeline([source.stream, ...stages, socket], { end: false, signal });
      } catch (e) {
        await writer?.discard();
        if (signal.aborted) throw e;
        if (reader.gone || readerGone(e)) return;
        throw pipeSourceFailed(this.placement.channel, o.uri, e);
      }
      if (writer) await writer.keep(source.cacheAs!);
    }
  }
}

/** End the writing side (the reader then reads EOF) and wait until it is closed. */
function closeSocket(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    socket.end();
  });
}
