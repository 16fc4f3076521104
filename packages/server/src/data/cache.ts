/**
 * The content cache of S3 objects: a rerun whose objects have not changed downloads nothing, and
 * a Pipe mode channel reads the objects it holds from it (pipe.ts writes them in on the way).
 *
 * Layout: `$OPTML_HOME/cache/objects/<h0h1>/<h>`, where h is the SHA-256 of bucket, key and
 * ETag; `$OPTML_HOME/cache/tmp/` holds downloads in progress (same file system, so they are
 * renamed into place whole). A channel's file is a hard link to its cache entry (a copy when the
 * cache is on another file system), so a cached object costs its size once however many jobs use
 * it. An entry's mtime is the object's LastModified, and its size is the object's: an entry whose
 * size or mtime differ (a program wrote to its channel file in place) is dropped, not served.
 * Its atime is its last use. Above the size limit (OPTML_CACHE_LIMIT, default 20 GiB; 0 turns the
 * cache off), the least recently used entries are removed after each channel is staged and after
 * each object Pipe mode adds.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { copyFile, link, mkdir, open, readdir, rename, rm, stat, unlink, utimes, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { BatchedWriter, openForWriting } from "./file-writes.js";
import type { Environment } from "./s3-client.js";

export const DEFAULT_CACHE_LIMIT_BYTES = 20 * 1024 ** 3;

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `OPTML_CACHE_LIMIT`: bytes, or a number with K, M, G or T (binary units; "20G", "512MiB"). */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) throw new Error(`'${text}' is not a size: use bytes or a number with K, M, G or T, like 20G`);
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
}

export function cacheLimitFromEnv(env: Environment): number {
  const text = env.OPTML_CACHE_LIMIT;
  if (text === undefined || text.trim() === "") return DEFAULT_CACHE_LIMIT_BYTES;
  try {
    return parseByteSize(text);
  } catch (e) {
    throw new Error(`OPTML_CACHE_LIMIT: ${(e as Error).message}`);
  }
}

/** The cache's directory under a state directory. */
export function cacheDirOf(home: string): string {
  return join(home, "cache");
}

/** What the cache identifies an object by, and what a cached copy must still match. */
export interface CachedObject {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date | undefined;
}

export interface CacheInfo {
  readonly dir: string;
  readonly entries: number;
  readonly bytes: number;
  readonly limitBytes: number;
}

interface Entry {
  readonly path: string;
  readonly size: number;
  readonly lastUse: number;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Pieces in which a cached object is read. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** How long `trim` may go without scanning the entries. */
const RESCAN_MS = 5 * 60_000;

/** Hard-link `from` at `to`, or copy it where a link cannot be made (another file system). */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EXDEV" && code !== "EPERM" && code !== "EMLINK") throw e;
    await copyFile(from, to);
  }
}

export class ContentCache {
  /** Lookups served from the cache, and lookups that were not, since this cache was opened. */
  readonly stats = { hits: 0, misses: 0 };
  private tmpMade = false;
  /**
   * The bytes the cache held at its last scan plus what this process admitted since, so that
   * `trim` scans (a stat per entry) only when the cache may be over its limit.
   */
  private knownBytes: number | undefined;
  private lastScan = 0;

  constructor(
    readonly dir: string,
    readonly limitBytes: number,
  ) {}

  get enabled(): boolean {
    return this.limitBytes > 0;
  }

  private entryPath(object: Pick<CachedObject, "bucket" | "key" | "etag">): string {
    const hash = createHash("sha256").update(`${object.bucket}\0${object.key}\0${object.etag}`).digest("hex");
    return join(this.dir, "objects", hash.slice(0, 2), hash);
  }

  /**
   * A fresh path for a download in progress, on the cache's file system. Its directory is made
   * once (a writer that finds it gone, removed by `optml cache clear`, makes it again).
   */
  async temporaryPath(): Promise<string> {
    const tmp = join(this.dir, "tmp");
    if (!this.tmpMade) {
      await mkdir(tmp, { recursive: true });
      this.tmpMade = true;
    }
    return join(tmp, `${Date.now()}-${randomBytes(6).toString("hex")}`);
  }

  /**
   * Put the cached copy of `object` at `destination` (a hard link); false when there is none, or
   * it no longer matches the object (then it is dropped).
   */
  async place(object: CachedObject, destination: string): Promise<boolean> {
    const entry = await this.matchingEntry(object);
    if (!entry) return false;
    const { path, info } = entry;
    try {
      await linkOrCopy(path, destination);
    } catch (e) {
      // Evicted between the stat and the link: a miss.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      this.stats.misses++;
      return false;
    }
    await utimes(path, new Date(), info.mtime).catch(() => undefined);
    this.stats.hits++;
    return true;
  }

  /**
   * The cached copy of `object` as a stream (Pipe mode reads it instead of S3); undefined when
   * there is none, or it no longer matches the object (then it is dropped).
   */
  async read(object: CachedObject): Promise<Readable | undefined> {
    const entry = await this.matchingEntry(object);
    if (!entry) return undefined;
    let handle: FileHandle;
    try {
      handle = await open(entry.path, "r");
    } catch {
      // Evicted between the stat and the open: a miss.
      this.stats.misses++;
      return undefined;
    }
    await utimes(entry.path, new Date(), entry.info.mtime).catch(() => undefined);
    this.stats.hits++;
    return handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
  }

  /** The entry of `object` when it is there and still matches it (one that does not is dropped). */
  private async matchingEntry(object: CachedObject): Promise<{ path: string; info: Stats } | undefined> {
    if (!this.enabled) return undefined;
    const path = this.entryPath(object);
    const info = await stat(path).catch(() => undefined);
    const matches =
      info !== undefined && info.size === object.size && (object.lastModified === undefined || seconds(info.mtimeMs) === seconds(object.lastModified.getTime()));
    if (info && !matches) await unlink(path).catch(() => undefined);
    if (!matches) {
      this.stats.misses++;
      return undefined;
    }
    return { path, info };
  }

  /**
   * A stream stage that writes what passes through into a new file of the cache's, to be kept as
   * an object's entry once all of it has passed; undefined when no file can be made (no caching).
   */
  async writer(): Promise<CacheWriter | undefined> {
    try {
      const path = await this.temporaryPath();
      return new CacheWriter(this, new BatchedWriter(await openForWriting(path)), path);
    } catch {
      return undefined;
    }
  }

  /**
   * Take a finished download at `temporary` (on the cache's file system) into the cache and
   * place it at `destination`, if given. Its mtime becomes the object's LastModified.
   */
  async admit(temporary: string, object: CachedObject, destination?: string): Promise<void> {
    const now = new Date();
    await utimes(temporary, now, object.lastModified ?? now);
    if (destination !== undefined) await linkOrCopy(temporary, destination);
    const path = this.entryPath(object);
    // The entry's directory (one of 256) is made when it is found missing, not tried every time.
    await rename(temporary, path).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
      await mkdir(dirname(path), { recursive: true });
      await rename(temporary, path);
    });
    if (this.knownBytes !== undefined) this.knownBytes += object.size;
  }

  private async entries(): Promise<Entry[]> {
    const root = join(this.dir, "objects");
    const entries: Entry[] = [];
    for (const bucket of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(join(root, bucket)).catch(() => [] as string[])) {
        const path = join(root, bucket, name);
        const info = await stat(path).catch(() => undefined);
        if (info?.isFile()) entries.push({ path, size: info.size, lastUse: info.atimeMs });
      }
    }
    return entries;
  }

  /**
   * Remove the least recently used entries until the cache is within its limit; drop stale
   * downloads. The entries are scanned when what this process knows of the cache's size may be
   * over the limit, and at least every few minutes (another process may share the cache).
   */
  async trim(): Promise<void> {
    const tmp = join(this.dir, "tmp");
    for (const name of await readdir(tmp).catch(() => [] as string[])) {
      const info = await stat(join(tmp, name)).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > 24 * 3600_000) await rm(join(tmp, name), { force: true });
    }
    if (this.knownBytes !== undefined && this.knownBytes <= this.limitBytes && Date.now() - this.lastScan < RESCAN_MS) return;
    const entries = await this.entries();
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    this.lastScan = Date.now();
    this.knownBytes = total;
    if (total <= this.limitBytes) return;
    entries.sort((a, b) => a.lastUse - b.lastUse);
    for (const entry of entries) {
      if (total <= this.limitBytes) break;
      await unlink(entry.path).catch(() => undefined);
      total -= entry.size;
    }
    this.knownBytes = total;
  }

  async info(): Promise<CacheInfo> {
    const entries = await this.entries();
    return { dir: this.dir, entries: entries.length, bytes: entries.reduce((sum, e) => sum + e.size, 0), limitBytes: this.limitBytes };
  }

  /** Remove every entry (files in use by jobs stay: they are links of their own). */
  async clear(): Promise<void> {
    await rm(join(this.dir, "objects"), { recursive: true, force: true });
    await rm(join(this.dir, "tmp"), { recursive: true, force: true });
    this.tmpMade = false;
    this.knownBytes = 0;
  }
}

/**
 * Writes what passes through (an S3 object on its way elsewhere) into a file for the content
 * cache. Writing is best effort: a failed write stops the caching, never the stream.
 */
export class CacheWriter extends Transform {
  private failed = false;

  constructor(
    private readonly cache: ContentCache,
    private readonly out: BatchedWriter,
    private readonly path: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.push(chunk);
    if (this.failed) return done();
    this.out.add(chunk).then(done, () => {
      this.failed = true;
      done();
    });
  }

  override _flush(done: () => void): void {
    if (this.failed) return done();
    this.out.flush().then(done, () => {
      this.failed = true;
      done();
    });
  }

  /** All of `object` has passed: its entry, when every byte was written. */
  async keep(object: CachedObject): Promise<void> {
    await this.out.close();
    if (this.failed || this.out.bytes !== object.size) return this.discard();
    try {
      await this.cache.admit(this.path, object);
      await this.cache.trim();
    } catch {
      await this.discard();
    }
  }

  /** The object did not pass whole: no entry. */
  async discard(): Promise<void> {
    await this.out.close();
    await rm(this.path, { force: true }).catch(() => undefined);
  }
}

/** The cache under a state directory: where it is, what it holds, its limit (for `optml cache`). */
export function cacheInfo(home: string, env: Environment = process.env): Promise<CacheInfo> {
  return new ContentCache(cacheDirOf(home), cacheLimitFromEnv(env)).info();
}

/** Empty the cache under a state directory; what it held before. */
export async function clearCache(home: string, env: Environment = process.env): Promise<CacheInfo> {
  const cache = new ContentCache(cacheDirOf(home), cacheLimitFromEnv(env));
  const before = await cache.info();
  await cache.clear();
  return before;
}
