/**
 * A local directory kept uploaded to an S3 (or `file://`) prefix while a job runs: what
 * checkpoints and intermediate output are. Every interval the directory is looked at; a file is
 * uploaded once it is new or changed and has stayed the same (size and mtime) since the previous
 * look, which is how a file that is still being written is told from one that was closed. When
 * the host has exited, `finish` uploads every new or changed file one last time. Files are never
 * deleted at the destination. Uploads to S3 are whole objects (multipart above one part, visible
 * only when complete); to `file://` they are written under a temporary name and renamed.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { walkFiles } from "./channel-objects.js";
import type { DataContext } from "./context.js";
import { localFailed } from "./errors.js";
import { joinKey, parseLocation, type Location } from "./location.js";
import { forEachLimited, uploadFile } from "./s3-objects.js";

interface FileState {
  readonly size: number;
  readonly mtimeMs: number;
}

const same = (a: FileState | undefined, b: FileState | undefined) => a !== undefined && b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs;

export interface DirectorySyncOptions {
  readonly dir: string;
  /** `s3://bucket/prefix` or `file:///path`: a file `a/b` goes to `<destination>/a/b`. */
  readonly destination: string;
  readonly intervalMs: number;
  /** For diagnostics: "checkpoints of algo-1". */
  readonly what: string;
  readonly log: (message: string) => void;
  /** Whether links are followed (default true); a processing job's outputs are uploaded without them, as SageMaker does. */
  readonly followLinks?: boolean;
}

export class DirectorySync {
  private readonly uploaded = new Map<string, FileState>();
  private seen = new Map<string, FileState>();
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;
  /** Files uploaded so far. */
  uploads = 0;

  private readonly destination: Location;

  constructor(
    private readonly data: DataContext,
    private readonly options: DirectorySyncOptions,
  ) {
    this.destination = parseLocation(options.destination);
  }

  /** Count files as already at the destination (restored checkpoints), so they are not sent back. */
  async markUploaded(relativePaths: readonly string[]): Promise<void> {
    for (const path of relativePaths) {
      const info = await stat(`${this.options.dir}/${path}`).catch(() => undefined);
      if (info) this.uploaded.set(path, { size: info.size, mtimeMs: info.mtimeMs });
    }
  }

  start(): void {
    this.loop = (async () => {
      const signal = this.controller.signal;
      while (!signal.aborted) {
        await sleep(this.options.intervalMs, undefined, { signal }).catch(() => undefined);
        if (signal.aborted) break;
        await this.pass(false).catch((e: Error) => this.options.log(`${this.options.what}: ${e.message} (trying again in ${this.options.intervalMs} ms)`));
      }
    })();
  }

  /** Stop looking and upload every new or changed file; throws a DataError when one cannot be. */
  async finish(): Promise<void> {
    this.controller.abort();
    await this.loop;
    await this.pass(true);
  }

  private async pass(final: boolean): Promise<void> {
    const files = await walkFiles(this.options.dir, { followLinks: this.options.followLinks ?? true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return [];
      throw localFailed("read", this.options.dir, e);
    });
    const previous = this.seen;
    const current = new Map<string, FileState>();
    const due: string[] = [];
    for (const f of files) {
      const state = { size: f.size, mtimeMs: f.mtimeMs };
      current.set(f.path, state);
      if (same(this.uploaded.get(f.path), state)) continue;
      if (final || same(previous.get(f.path), state)) due.push(f.path);
    }
    this.seen = current;
    await forEachLimited(due, 4, async (path, signal) => {
      const state = current.get(path)!;
      await this.upload(path, signal);
      const after = await stat(`${this.options.dir}/${path}`).catch(() => undefined);
      // Changed while it was sent: it goes again at the next look.
      if (after && after.size === state.size && after.mtimeMs === state.mtimeMs) this.uploaded.set(path, state);
      this.uploads++;
    });
  }

  private async upload(path: string, signal: AbortSignal): Promise<void> {
    const file = `${this.options.dir}/${path}`;
    if (this.destination.kind === "s3") {
      await uploadFile(this.data.s3, this.destination.bucket, joinKey(this.destination.key, path), file, signal);
      return;
    }
    const target = `${this.destination.path}/${path}`;
    const temporary = `${dirname(target)}/.${path.slice(path.lastIndexOf("/") + 1)}.optml-partial-${randomBytes(4).toString("hex")}`;
    try {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(file, temporary);
      await rename(temporary, target);
    } catch (e) {
      await rm(temporary, { force: true });
      throw localFailed("write", `file://${target}`, e);
    }
  }
}
