/**
 * Packaging a job's artifacts: `model.tar.gz` from the model dir and `output.tar.gz` from the
 * output data dir, written next to their destination under a temporary name and renamed into
 * place, so an artifact is never visible half-written.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { cp, mkdir, readdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import * as tar from "tar";
import { parseLocation } from "./location.js";

function localPath(uri: string): string {
  const loc = parseLocation(uri);
  if (loc.kind !== "file") throw new Error(`${uri}: only file:// destinations are supported here`);
  return loc.path;
}

function temporaryBeside(path: string): string {
  return `${dirname(path)}/.${path.slice(dirname(path).length + 1)}.partial-${randomBytes(4).toString("hex")}`;
}

/** The tar.gz of a directory's contents (entries relative to it, as SageMaker packs them). */
export async function writeTarGz(dir: string, destination: string): Promise<void> {
  await mkdir(dirname(destination), { recursive: true });
  const tmp = temporaryBeside(destination);
  try {
    const entries = (await readdir(dir).catch(() => [] as string[])).sort();
    if (entries.length === 0) {
      // An empty archive: two zero blocks.
      const gzip = createGzip();
      const done = pipeline(gzip, createWriteStream(tmp));
      gzip.end(Buffer.alloc(1024));
      await done;
    } else {
      await pipeline(tar.create({ cwd: dir, gzip: true, portable: true }, entries), createWriteStream(tmp));
    }
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

/** Upload a job's model and output data to their URIs. */
export async function uploadArtifacts(options: {
  modelDir: string;
  outputDataDir: string;
  modelUri: string;
  outputUri: string;
  compression: "GZIP" | "NONE";
}): Promise<void> {
  if (options.compression === "NONE") await copyDirectory(options.modelDir, localPath(options.modelUri));
  else await writeTarGz(options.modelDir, localPath(options.modelUri));
  await writeTarGz(options.outputDataDir, localPath(options.outputUri));
}
