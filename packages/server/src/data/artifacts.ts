/**
 * Packaging a job's artifacts: `model.tar.gz` from the model dir and `output.tar.gz` from the
 * output data dir, never visible half-written. To `file://`: written next to the destination under
 * a temporary name and renamed into place. To S3: the tar writer's stream is uploaded as it is
 * made (no temporary copy), as a multipart upload above one part, which S3 shows only once it is
 * completed and which is aborted when anything fails. A temporary file left by an upload that was
 * killed (`.model.tar.gz.partial-*`, by a kill -9 of the control plane) is removed when the job's
 * upload runs again (resumed after a restart) or another upload to the same destination starts.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { cp, lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import * as tar from "tar";
import { walkFiles } from "./channel-objects.js";
import type { DataContext } from "./context.js";
import { joinKey, parseLocation } from "./location.js";
import { forEachLimited, uploadFile, uploadStream } from "./s3-objects.js";

function temporaryBeside(path: string): string {
  return `${dirname(path)}/.${basename(path)}.partial-${randomBytes(4).toString("hex")}`;
}

/** Whether `name` is one of temporaryBeside's names for a destination called `base`. */
export function isPartialOf(name: string, base: string): boolean {
  const prefix = `.${base}.partial-`;
  return name.startsWith(prefix) && /^[0-9a-f]{8}$/.test(name.slice(prefix.length));
}

/**
 * Remove the temporary files (or directories) that uploads to `destination` left beside it and that
 * were last changed before `before` (ms since the epoch: the start of the current attempt, so that
 * nothing a running upload writes is touched). Returns the paths removed.
 */
export async function removeStalePartials(destination: string, before: number): Promise<string[]> {
  const dir = dirname(destination);
  const base = basename(destination);
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!isPartialOf(name, base)) continue;
    const path = `${dir}/${name}`;
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined || info.mtimeMs >= before) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

const GZIP_CHUNK_BYTES = 128 * 1024;

/** The tar.gz of a directory's contents (entries relative to it, as SageMaker packs them), as a stream. */
export async function tarGzStream(dir: string): Promise<Readable> {
  const entries = (await readdir(dir).catch(() => [] as string[])).sort();
  if (entries.length === 0) {
    // An empty archive: two zero blocks.
    return Readable.from([Buffer.alloc(1024)]).pipe(createGzip());
  }
  const out = new PassThrough();
  // Compressed by zlib on Node's thread pool, beside the tar writer's reads, in 128 KiB chunks
  // (tar's own gzip option compresses on the main thread in 16 KiB ones): ~15% faster.
  const pack = tar.create({ cwd: dir, portable: true }, entries);
  pipeline(pack, createGzip({ chunkSize: GZIP_CHUNK_BYTES }), out).catch((e: Error) => out.destroy(e));
  return out;
}

/** The tar.gz of a directory's contents written to a local file. */
export async function writeTarGz(dir: string, destination: string): Promise<void> {
  await mkdir(dirname(destination), { recursive: true });
  const tmp = temporaryBeside(destination);
  try {
    await pipeline(await tarGzStream(dir), createWriteStream(tmp));
    await rename(tmp, destination);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** A directory copied as it is (OutputDataConfig.CompressionType NONE). */
export async function copyDirectory(dir: string, destination: string): Promise<void> {
  await mkdir(dirname(destination), { recursive: true });
  const tmp = temporaryBeside(destination);
  try {
    await cp(dir, tmp, { recursive: true, dereference: false, errorOnExist: false });
    await rm(destination, { recursive: true, force: true });
    await rename(tmp, destination);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

function s3Of(data: DataContext | undefined, uri: string): DataContext {
  if (!data) throw new Error(`${uri}: uploading to S3 needs the control plane's data context`);
  return data;
}

async function putTarGz(dir: string, uri: string, data: DataContext | undefined): Promise<void> {
  const target = parseLocation(uri);
  if (target.kind === "file") return writeTarGz(dir, target.path);
  await uploadStream(s3Of(data, uri).s3, target.bucket, target.key, await tarGzStream(dir));
}

async function putDirectory(dir: string, uri: string, data: DataContext | undefined): Promise<void> {
  const target = parseLocation(uri);
  if (target.kind === "file") return copyDirectory(dir, target.path);
  const s3 = s3Of(data, uri).s3;
  const files = await walkFiles(dir).catch(() => []);
  await forEachLimited(files, 4, (f, signal) => uploadFile(s3, target.bucket, joinKey(target.key, f.path), `${dir}/${f.path}`, signal));
}

/**
 * Upload a job's model and output data to their URIs (`data` gives the S3 access for s3:// ones);
 * `parts` leaves one out (default: both go).
 */
export async function uploadArtifacts(
  options: {
    modelDir: string;
    outputDataDir: string;
    modelUri: string;
    outputUri: string;
    compression: "GZIP" | "NONE";
    parts?: { readonly model: boolean; readonly outputData: boolean };
  },
  data?: DataContext,
): Promise<void> {
  const parts = options.parts ?? { model: true, outputData: true };
  // Both destinations, whichever parts go this time: a killed attempt may have written either.
  const started = Date.now();
  for (const uri of [options.modelUri, options.outputUri]) {
    const target = parseLocation(uri);
    if (target.kind === "file") await removeStalePartials(target.path, started);
  }
  if (parts.model) {
    if (options.compression === "NONE") await putDirectory(options.modelDir, options.modelUri, data);
    else await putTarGz(options.modelDir, options.modelUri, data);
  }
  if (parts.outputData) await putTarGz(options.outputDataDir, options.outputUri, data);
}
